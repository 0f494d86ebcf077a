package io.hotset.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The Varnish configuration shipped with hotset, at {@value #RESOURCE} on the classpath, and the
 * purge protocol it shares with {@link EdgePurgers#varnish(java.net.URI)}. The file is a template:
 * {@value #BACKEND_HOST} and {@value #BACKEND_PORT} stand for the origin and are filled in by
 * {@link #render(String, int)} (or by any tool that substitutes them, such as hotset-testkit's
 * {@code VarnishServer}). What the VCL does, and why, is written in the file itself and in the
 * module README.
 */
public final class VarnishVcl {
  /** Classpath location of the template. */
  public static final String RESOURCE = "/io/hotset/http/varnish/hotset.vcl";
  /** Placeholder for the origin's host or IP address. */
  public static final String BACKEND_HOST = "${BACKEND_HOST}";
  /** Placeholder for the origin's port. */
  public static final String BACKEND_PORT = "${BACKEND_PORT}";
  /** The request method of purges. */
  public static final String PURGE_METHOD = "BAN";
  /** Request header carrying space-separated surrogate keys to purge (as in vmod-xkey). */
  public static final String KEYS_HEADER = "xkey-purge";
  /** Request header carrying space-separated URLs (path and query) to purge. */
  public static final String URLS_HEADER = "hotset-purge-urls";
  /** Response header telling whether Varnish served the response from cache: {@code HIT}, {@code MISS} or {@code PASS}. */
  public static final String CACHE_STATUS_HEADER = "X-Cache";

  private VarnishVcl() {}

  /** The template text, placeholders included. */
  public static String template() {
    try (InputStream in = VarnishVcl.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /**
   * The VCL for one origin.
   *
   * @throws IllegalArgumentException if the host holds characters that cannot appear in a VCL
   *     string or the port is out of range (the message quotes the value)
   */
  public static String render(String backendHost, int backendPort) {
    Objects.requireNonNull(backendHost, "backendHost");
    if (backendHost.isEmpty() || !backendHost.matches("[A-Za-z0-9.:\\[\\]_-]+")) {
      throw new IllegalArgumentException("backend host must be a host name or IP address, was '" + backendHost + "'");
    }
    if (backendPort < 1 || backendPort > 65535) {
      throw new IllegalArgumentException("backend port must be in 1..65535, was " + backendPort);
    }
    return template().replace(BACKEND_HOST, backendHost).replace(BACKEND_PORT, Integer.toString(backendPort));
  }
}
