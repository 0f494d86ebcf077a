/**
 * Where the parts being built elsewhere plug into the catalog: replica routing ({@link io.hotset.catalog.spi.ReadRouting})
 * and edge purges ({@link io.hotset.catalog.spi.EdgePurge}). The defaults are deliberately simple
 * (primary-only reads, no-op or plain HTTP purge); {@link io.hotset.catalog.CatalogService.Builder}
 * takes real implementations.
 */
package io.hotset.catalog.spi;
