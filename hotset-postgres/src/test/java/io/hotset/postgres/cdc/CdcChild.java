package io.hotset.postgres.cdc;

/**
 * A separate JVM running one CDC instance (Hotset on Redis + change capture); prints
 * {@code LEADER} once it consumes, then runs until killed. Arguments: redis URI, JDBC URL, user,
 * password.
 */
public final class CdcChild {
  private CdcChild() {}

  public static void main(String[] args) throws Exception {
    CdcNode node = new CdcNode("child", args[0], args[1], args[2], args[3]).startCdc(args[1], args[2], args[3]);
    while (!node.cdc.isLeader()) {
      Thread.sleep(5);
    }
    System.out.println("LEADER");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
