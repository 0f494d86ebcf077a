vcl 4.1;

# The catalog's edge: ONE Varnish in front of TWO catalog instances, round robin, on top of
# hotset-http's hotset.vcl (included below; it holds every caching and purge rule, see
# hotset-http/README.md). This file only adds the second backend, the director and health probes.
#
# Files (both in a directory on varnishd's vcl_path, /etc/varnish by default):
#   hotset.vcl   hotset-http's io/hotset/http/varnish/hotset.vcl with its placeholders BACKEND_HOST
#                and BACKEND_PORT set to instance 0 (its backend "origin" is instance 0 here)
#   catalog.vcl  this file with its placeholders BACKEND_HOST_1 and BACKEND_PORT_1 set to instance 1
# Run: varnishd -a :6081 -f /etc/varnish/catalog.vcl -s malloc,1g
# Every instance gets HOTSET_EDGE_PURGE_URL=http://<varnish>:6081/ ; purges (BAN) are only
# accepted from hotset.vcl's acl hotset_purgers (127.0.0.1 and ::1): widen it there when the
# instances run on other hosts.
#
# A third instance: another backend block like instance_1 and another add_backend line.

import directors;

# Applies to every backend without a probe of its own, hotset.vcl's "origin" included. Liveness,
# not /health: an instance whose database is down still serves its cached reads, and taking every
# instance out of rotation would turn those hits into 503s.
probe default {
    .url = "/health/live";
    .interval = 2s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

include "hotset.vcl";

backend instance_1 {
    .host = "${BACKEND_HOST_1}";
    .port = "${BACKEND_PORT_1}";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

sub vcl_init {
    new instances = directors.round_robin();
    instances.add_backend(origin);
    instances.add_backend(instance_1);
}

# Every fetch (miss, pass, background refresh) picks the next healthy instance. Chosen here rather
# than in vcl_recv because hotset.vcl's vcl_recv returns (pass) before later code would run.
sub vcl_backend_fetch {
    set bereq.backend = instances.backend();
}
