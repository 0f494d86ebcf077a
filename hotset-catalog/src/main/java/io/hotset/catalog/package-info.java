/** Placeholder; filled by its issue. */
package io.hotset.catalog;
