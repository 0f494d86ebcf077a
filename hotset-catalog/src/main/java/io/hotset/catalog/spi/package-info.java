/**
 * Where other parts plug into the catalog: replica routing ({@link io.hotset.catalog.spi.ReadRouting})
 * and edge purges ({@link io.hotset.catalog.spi.EdgePurge}, which adapts hotset-http's
 * {@code EdgePurger}). The defaults are primary-only reads and, when {@code HOTSET_EDGE_PURGE_URL}
 * is set, hotset-http's Varnish purger; {@link io.hotset.catalog.CatalogService.Builder} takes
 * other implementations.
 */
package io.hotset.catalog.spi;
