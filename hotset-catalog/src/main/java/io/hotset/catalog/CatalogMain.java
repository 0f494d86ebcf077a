package io.hotset.catalog;

/**
 * {@code java -jar hotset-catalog.jar}: reads the configuration from the environment, starts the
 * service, prints its URL when it is ready, and shuts it down (flushing the view counter and
 * stopping an embedded PostgreSQL) on JVM exit. Exits with status 2 on a configuration error and
 * 1 when the service cannot start.
 */
public final class CatalogMain {
  private CatalogMain() {}

  public static void main(String[] args) {
    CatalogConfig config;
    try {
      config = CatalogConfig.fromEnvironment();
    } catch (IllegalArgumentException e) {
      System.err.println("hotset-catalog: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.println("hotset-catalog: starting with " + config);
    CatalogService service;
    try {
      service = CatalogService.start(config);
    } catch (IllegalArgumentException e) {
      System.err.println("hotset-catalog: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("hotset-catalog: cannot start: " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("hotset-catalog: shutting down");
      service.close();
    }, "catalog-shutdown"));
    System.out.println("hotset-catalog: ready at " + service.url() + "/");
    System.out.flush();
  }
}
