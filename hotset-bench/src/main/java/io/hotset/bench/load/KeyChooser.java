package io.hotset.bench.load;

import io.hotset.bench.ZipfKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses the product id of the next request. Implementations are thread-safe; each worker passes
 * its own seeded generator, so a worker's sequence of ids is the same in every run with the same
 * {@code --seed} (the trace replay shares one cursor and so follows the file's order across all
 * workers).
 */
@FunctionalInterface
public interface KeyChooser {

  /** The next product id, drawing randomness from {@code random} (owned by the calling thread). */
  long next(SplittableRandom random);

  /** Ids 1..{@code products}, each equally likely. */
  static KeyChooser uniform(int products) {
    requirePositive(products);
    return random -> 1 + random.nextInt(products);
  }

  /**
   * Ids 1..{@code products} with Zipf({@code alpha}) popularity; which ids are hot is a fixed
   * permutation chosen by {@code seed} (see {@link ZipfKeys}).
   */
  static KeyChooser zipf(int products, double alpha, long seed) {
    requirePositive(products);
    ZipfKeys zipf = new ZipfKeys(products, alpha, seed);
    return random -> 1 + zipf.sample(random.nextDouble());
  }

  /** The ids of a trace in order, looping at its end; one cursor shared by all callers. */
  static KeyChooser trace(long[] ids) {
    if (ids.length == 0) {
      throw new IllegalArgumentException("the trace has no ids");
    }
    long[] copy = ids.clone();
    AtomicLong cursor = new AtomicLong();
    return random -> copy[(int) (cursor.getAndIncrement() % copy.length)];
  }

  /** {@code share} of the draws go to {@code hotId}, the rest to this chooser. */
  default KeyChooser withHotKey(long hotId, double share) {
    requireShare("hot key share", share);
    KeyChooser base = this;
    return random -> random.nextDouble() < share ? hotId : base.next(random);
  }

  /**
   * {@code share} of the draws are uniform over the ids that do not exist,
   * {@code products + 1 .. products + missingSpace}; the rest go to this chooser.
   */
  default KeyChooser withMissing(int products, long missingSpace, double share) {
    requireShare("missing share", share);
    if (missingSpace < 1) {
      throw new IllegalArgumentException("missing id space must be >= 1, was " + missingSpace);
    }
    KeyChooser base = this;
    return random -> random.nextDouble() < share ? products + 1 + random.nextLong(missingSpace) : base.next(random);
  }

  /**
   * The ids of a trace file: one per line (the first token if the line has more), blank lines and
   * lines starting with {@code #} skipped.
   *
   * @throws IllegalArgumentException naming the line that is not a positive id
   */
  static long[] readTrace(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    long[] ids = new long[lines.size()];
    int n = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String token = line.split("[\\s,;]+", 2)[0];
      try {
        long id = Long.parseLong(token);
        if (id < 1) {
          throw new NumberFormatException();
        }
        ids[n++] = id;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": not a product id: '" + token + "'");
      }
    }
    if (n == 0) {
      throw new IllegalArgumentException(file + ": no ids in the trace");
    }
    return java.util.Arrays.copyOf(ids, n);
  }

  private static void requirePositive(int products) {
    if (products < 1) {
      throw new IllegalArgumentException("products must be >= 1, was " + products);
    }
  }

  private static void requireShare(String what, double share) {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException(what + " must be in [0, 1], was " + share);
    }
  }
}
