/** The catalog service's implementation: HTTP handlers, SQL, schema bootstrap, embedded PostgreSQL. Not API. */
package io.hotset.catalog.internal;
