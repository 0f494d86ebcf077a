/**
 * Implementation details of the test kit: process-tree handling, RESP wire format, binary lookup,
 * temp directories and the shutdown-hook safety net. Not API: may change without notice.
 */
package io.hotset.testkit.internal;
