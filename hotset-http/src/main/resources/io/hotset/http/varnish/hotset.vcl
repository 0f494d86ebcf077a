vcl 4.1;

# hotset edge configuration for Varnish 7.x (tested with Debian 12's varnish 7.1).
#
# Template: ${BACKEND_HOST} and ${BACKEND_PORT} name the origin; io.hotset.http.VarnishVcl.render()
# and hotset-testkit's VarnishServer fill them in. Everything not handled here falls through to
# Varnish's built-in VCL, which runs after each subroutine below unless it returns.
#
# What this adds to the built-in behaviour:
#  1. Responses that depend on the user are never stored or shared: requests with Authorization
#     or Cookie are passed, and responses with Set-Cookie, private, no-cache or no-store become
#     short-lived "hit-for-miss" markers (uncacheable) instead of objects.
#     Cookies are not stripped: a route that must ignore cookies has to say so here, explicitly.
#  2. Grace comes only from the origin's stale-while-revalidate (Varnish reads it into
#     beresp.grace; without it, or with must-revalidate / proxy-revalidate, grace is 0, not the
#     10 s default_grace), so the edge serves stale content exactly as long as the origin allowed. A background refresh that fails with a 5xx is
#     abandoned, which keeps serving the stale object for the rest of its grace (stale-if-error
#     within the stale-while-revalidate window).
#  3. Purge by surrogate key: responses are tagged by their xkey and Surrogate-Key headers, and a
#     BAN request from the purge ACL with "xkey-purge: k1 k2" bans every object tagged k1 or k2;
#     "hotset-purge-urls: /a /b?x=1" bans those URLs (all hosts, all variants). The bans test only
#     obj.* fields, so the ban lurker removes matching objects in the background, and every lookup
#     checks them first: the next request after the BAN answered is a miss. A standard PURGE of the
#     request URL is accepted too.
#  4. X-Cache: HIT | MISS | PASS on every response (HIT also for stale hits in grace, which
#     additionally get X-Cache-Stale: 1), so a load harness can count edge hits. Age is kept.
#
# Request coalescing is Varnish's default (concurrent misses for one object wait for one fetch);
# the hash is the built-in one (URL + Host), never cookies.

import std;

backend origin {
    .host = "${BACKEND_HOST}";
    .port = "${BACKEND_PORT}";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

# Who may purge: only this host. Widen it for a purger on another machine.
acl hotset_purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    # Internal markers must not come from clients.
    unset req.http.x-hotset-cache;
    unset req.http.x-hotset-stale;

    if (req.method == "BAN" || req.method == "PURGE") {
        if (client.ip !~ hotset_purgers) {
            return (synth(403, "Purging not allowed from " + client.ip));
        }
        if (req.method == "PURGE") {
            return (purge);
        }
        if (req.http.xkey-purge) {
            # Keys are separated by whitespace; regex metacharacters in keys are escaped so a key
            # only ever matches itself.
            set req.http.x-hotset-re = regsuball(regsuball(regsub(req.http.xkey-purge,
                "^\s+|\s+$", ""), "([][\\.+*?^$(){}|])", "\\\1"), "\s+", "|");
            if (!std.ban("obj.http.xkey ~ (^|\s)(" + req.http.x-hotset-re + ")(\s|$)")) {
                return (synth(400, "Bad ban: " + std.ban_error()));
            }
            return (synth(200, "Banned keys"));
        }
        if (req.http.hotset-purge-urls) {
            set req.http.x-hotset-re = regsuball(regsuball(regsub(req.http.hotset-purge-urls,
                "^\s+|\s+$", ""), "([][\\.+*?^$(){}|])", "\\\1"), "\s+", "|");
            if (!std.ban("obj.http.x-hotset-url ~ ^(" + req.http.x-hotset-re + ")$")) {
                return (synth(400, "Bad ban: " + std.ban_error()));
            }
            return (synth(200, "Banned URLs"));
        }
        return (synth(400, "BAN needs an xkey-purge or hotset-purge-urls header"));
    }

    # Never serve or store a shared copy of a personal request (the built-in VCL does the same;
    # this states it where it can be read and keeps it if the built-in changes).
    if (req.http.Authorization || req.http.Cookie) {
        return (pass);
    }
}

sub vcl_hit {
    set req.http.x-hotset-cache = "HIT";
    if (obj.ttl <= 0s) {
        set req.http.x-hotset-stale = "1";
    }
}

sub vcl_miss {
    set req.http.x-hotset-cache = "MISS";
}

sub vcl_pass {
    set req.http.x-hotset-cache = "PASS";
}

sub vcl_backend_fetch {
    unset bereq.http.x-hotset-cache;
    unset bereq.http.x-hotset-stale;
}

sub vcl_backend_response {
    # Ban targets: one space-separated key list (several xkey / Surrogate-Key lines are merged)
    # and the URL.
    std.collect(beresp.http.xkey, " ");
    std.collect(beresp.http.Surrogate-Key, " ");
    if (beresp.http.Surrogate-Key) {
        if (beresp.http.xkey) {
            set beresp.http.xkey = beresp.http.xkey + " " + beresp.http.Surrogate-Key;
        } else {
            set beresp.http.xkey = beresp.http.Surrogate-Key;
        }
    }
    set beresp.http.x-hotset-url = bereq.url;

    # A failed background refresh keeps the stale object (stale-if-error within grace).
    if (bereq.is_bgfetch && beresp.status >= 500) {
        return (abandon);
    }

    if (bereq.uncacheable) {
        return (deliver);
    }

    # Personal or explicitly uncacheable responses: remember "do not cache" for a short while so
    # requests for this URL go straight to the origin (hit-for-miss, no request coalescing).
    if (beresp.http.Set-Cookie
            || beresp.http.Cache-Control ~ "(?i)(^|[\s,])(private|no-store|no-cache)([\s,=]|$)"
            || beresp.http.Vary == "*") {
        set beresp.ttl = 10s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }

    # Grace only where the origin allowed stale content, and never past must-revalidate.
    if (beresp.http.Cache-Control !~ "(?i)stale-while-revalidate"
            || beresp.http.Cache-Control ~ "(?i)(must|proxy)-revalidate") {
        set beresp.grace = 0s;
    }
}

sub vcl_deliver {
    if (req.http.x-hotset-cache) {
        set resp.http.X-Cache = req.http.x-hotset-cache;
    } else {
        set resp.http.X-Cache = "MISS";
    }
    if (req.http.x-hotset-stale) {
        set resp.http.X-Cache-Stale = "1";
    }
    # Ban bookkeeping is internal to the edge.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.x-hotset-url;
}
