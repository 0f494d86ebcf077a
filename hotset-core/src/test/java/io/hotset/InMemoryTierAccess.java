package io.hotset;

/** Lets tests in other packages of this module extend the in-memory tier. */
class InMemoryTierAccess extends InMemoryTierBase {}
