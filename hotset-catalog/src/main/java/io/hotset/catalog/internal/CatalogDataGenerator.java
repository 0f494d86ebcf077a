package io.hotset.catalog.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic catalog data: the same {@code products} count always yields the same categories,
 * products and reviews (each product draws from its own seeded generator, so product {@code n} is
 * the same whatever the total). About 5 KB per product including its reviews, in plain English-like
 * text so that compression and row sizes look like a real catalog's.
 */
public final class CatalogDataGenerator {
  private static final long SEED = 0x5eed_000L;

  private static final String[][] DEPARTMENTS = {
      {"Kitchen", "Cookware", "Cutlery", "Small Appliances", "Tableware", "Storage"},
      {"Garden", "Tools", "Planters", "Outdoor Lighting", "Watering", "Furniture"},
      {"Electronics", "Headphones", "Cameras", "Chargers", "Speakers", "Accessories"},
      {"Books", "Fiction", "Cooking", "Travel", "Science", "Children"},
      {"Toys", "Puzzles", "Building Sets", "Dolls", "Board Games", "Outdoor Play"},
      {"Sports", "Running", "Cycling", "Camping", "Fitness", "Swimming"},
      {"Home", "Bedding", "Lighting", "Rugs", "Decor", "Bath"},
      {"Office", "Desks", "Chairs", "Paper", "Pens", "Organizers"},
  };
  private static final String[] ADJECTIVES = {"Classic", "Compact", "Deluxe", "Everyday", "Heavy-Duty", "Lightweight",
      "Modern", "Rustic", "Smart", "Sturdy", "Travel", "Vintage", "Premium", "Essential", "Ergonomic", "Foldable"};
  private static final String[] MATERIALS = {"Bamboo", "Steel", "Oak", "Ceramic", "Cotton", "Linen", "Aluminium",
      "Glass", "Copper", "Walnut", "Recycled", "Wool", "Leather", "Granite", "Cast-Iron", "Silicone"};
  private static final String[] NOUNS = {"Kettle", "Lamp", "Backpack", "Organizer", "Speaker", "Blanket", "Mug",
      "Skillet", "Notebook", "Planter", "Bottle", "Clock", "Chair", "Tray", "Basket", "Board", "Set", "Case"};
  private static final String[] OPENERS = {"Designed for daily use,", "Built to last,", "Made in small batches,",
      "Tested by our team for months,", "Inspired by traditional workshops,", "Thoughtfully engineered,",
      "A customer favourite,", "New this season,"};
  private static final String[] CLAIMS = {"combines a clean look with practical details",
      "holds up to heavy use without losing its shape", "fits neatly into small spaces",
      "is easy to clean and quick to put away", "brings warmth and character to any room",
      "balances weight and strength for comfortable handling", "ships in plastic-free packaging",
      "is backed by a two-year warranty and friendly support"};
  private static final String[] DETAILS = {"The finish resists scratches and fingerprints.",
      "Every edge is rounded by hand before the final inspection.",
      "Replacement parts are available for at least ten years.",
      "The materials are sourced from certified suppliers.",
      "It works just as well in a busy family home as in a quiet studio.",
      "Measurements are listed below so you can check the fit before ordering.",
      "Care instructions are printed on a card inside the box.",
      "Colours may vary slightly because each piece is finished individually.",
      "It pairs well with the rest of the collection.",
      "Assembly takes a few minutes and needs no extra tools."};
  private static final String[] REVIEW_OPENERS = {"I bought this as a gift", "We have used it every day for a month",
      "After reading the other reviews I gave it a try", "I was sceptical at first", "This replaced an older model",
      "Ordered two of these", "Arrived earlier than expected", "My partner picked this one"};
  private static final String[] REVIEW_GOOD = {"and it exceeded my expectations.", "and it works exactly as described.",
      "and the quality is excellent for the price.", "and I would happily buy it again.",
      "and it still looks new.", "and it has become part of our routine."};
  private static final String[] REVIEW_BAD = {"but it broke after a few weeks.", "but it is smaller than the photos suggest.",
      "but the finish started to wear quickly.", "but the instructions were confusing.",
      "but it was not worth the price for me."};
  private static final String[] REVIEW_EXTRA = {"Packaging was minimal and recyclable.",
      "Customer service answered my question within a day.", "The colour is a little darker in person.",
      "It is heavier than I expected, which feels solid.", "Cleaning is simple with warm soapy water.",
      "It takes up less room than my old one.", "Delivery was quick and the box was undamaged.",
      "I would recommend it to friends and family."};
  private static final String[] AUTHORS = {"Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie",
      "Avery", "Quinn", "Robin", "Charlie"};

  /** One generated category. */
  public record Category(long id, String name, Long parentId) {}

  /** One generated product with its reviews. */
  public record GeneratedProduct(long id, String name, String description, long categoryId, int priceCents,
      String currency, int stock, List<Review> reviews) {}

  /** One generated review. */
  public record Review(int rating, String author, String body) {}

  /** Departments get ids 1..8; their subcategories 101, 102, ... (department * 100 + n). */
  public static List<Category> categories() {
    List<Category> out = new ArrayList<>();
    for (int d = 0; d < DEPARTMENTS.length; d++) {
      long deptId = d + 1;
      out.add(new Category(deptId, DEPARTMENTS[d][0], null));
      for (int s = 1; s < DEPARTMENTS[d].length; s++) {
        out.add(new Category(deptId * 100 + s, DEPARTMENTS[d][0] + " / " + DEPARTMENTS[d][s], deptId));
      }
    }
    return out;
  }

  /** The leaf categories products are spread over. */
  static List<Category> leafCategories() {
    return categories().stream().filter(c -> c.parentId() != null).toList();
  }

  /** Product {@code id} (1-based), the same on every call. */
  public static GeneratedProduct product(long id) {
    SplittableRandom r = new SplittableRandom(SEED ^ (id * 0x9E3779B97F4A7C15L));
    List<Category> leaves = leafCategories();
    // Skewed category sizes: low-index leaves get more products.
    int leaf = (int) Math.min(leaves.size() - 1, Math.floor(Math.pow(r.nextDouble(), 1.6) * leaves.size()));
    Category category = leaves.get(leaf);
    String noun = NOUNS[r.nextInt(NOUNS.length)];
    String name = ADJECTIVES[r.nextInt(ADJECTIVES.length)] + " " + MATERIALS[r.nextInt(MATERIALS.length)] + " "
        + noun + " " + (char) ('A' + r.nextInt(26)) + (100 + r.nextInt(900));
    StringBuilder description = new StringBuilder(2_400);
    int paragraphs = 3 + r.nextInt(3);
    for (int p = 0; p < paragraphs; p++) {
      if (p > 0) {
        description.append("\n\n");
      }
      description.append(OPENERS[r.nextInt(OPENERS.length)]).append(" this ").append(noun.toLowerCase(java.util.Locale.ROOT))
          .append(' ').append(CLAIMS[r.nextInt(CLAIMS.length)]).append('.');
      int details = 5 + r.nextInt(4);
      for (int d = 0; d < details; d++) {
        description.append(' ').append(DETAILS[r.nextInt(DETAILS.length)]);
      }
    }
    int priceCents = 199 + r.nextInt(49_800);
    String currency = r.nextInt(10) == 0 ? "EUR" : "USD";
    int stock = r.nextInt(8) == 0 ? 0 : r.nextInt(500);
    // Review counts are skewed too: exponential with mean ~6, capped at 40.
    int reviewCount = (int) Math.min(40, Math.floor(-Math.log(1 - r.nextDouble()) * 6));
    List<Review> reviews = new ArrayList<>(reviewCount);
    for (int i = 0; i < reviewCount; i++) {
      int roll = r.nextInt(100);
      int rating = roll < 45 ? 5 : roll < 75 ? 4 : roll < 87 ? 3 : roll < 94 ? 2 : 1;
      StringBuilder body = new StringBuilder(500);
      body.append(REVIEW_OPENERS[r.nextInt(REVIEW_OPENERS.length)]).append(' ')
          .append(rating >= 3 ? REVIEW_GOOD[r.nextInt(REVIEW_GOOD.length)] : REVIEW_BAD[r.nextInt(REVIEW_BAD.length)]);
      int extras = 3 + r.nextInt(6);
      for (int e = 0; e < extras; e++) {
        body.append(' ').append(REVIEW_EXTRA[r.nextInt(REVIEW_EXTRA.length)]);
      }
      reviews.add(new Review(rating, AUTHORS[r.nextInt(AUTHORS.length)] + " " + (char) ('A' + r.nextInt(26)) + ".",
          body.toString()));
    }
    return new GeneratedProduct(id, name, description.toString(), category.id(), priceCents, currency, stock, reviews);
  }

  private CatalogDataGenerator() {}
}
