/** Implementation of hotset-http; not API, may change without notice. */
package io.hotset.http.internal;
