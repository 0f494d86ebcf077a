/** Extension points of hotset-http: {@link io.hotset.http.spi.EdgePurger} for edge caches other than Varnish. */
package io.hotset.http.spi;
