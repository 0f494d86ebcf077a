package io.hotset.catalog.internal;

/** An error answered as {@code {"error": code, "message": message}} with an HTTP status. */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String code;

  public ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() { return status; }
  public String code() { return code; }

  public static ApiException badRequest(String message) {
    return new ApiException(400, "bad_request", message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, "not_found", message);
  }

  /** 422: well-formed JSON with an invalid value; the message names the field. */
  public static ApiException invalid(String field, String message) {
    return new ApiException(422, "invalid_field", field + ": " + message);
  }

  public static ApiException unavailable(String message) {
    return new ApiException(503, "unavailable", message);
  }
}
