package io.hotset.postgres;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Declares which cache entries a table's rows feed, so change data capture knows what to
 * invalidate when a row changes. Templates name columns in braces and are filled from the
 * row's old image and its new one (both are invalidated when they differ, e.g. a product
 * moving to another category invalidates both categories):
 *
 * <pre>{@code
 * TableMapping.table("products")
 *     .key("product", "{product_id}")          // region "product", key = the id
 *     .tag("top", "category:{category_id}")   // region "top", tag
 *     .surrogateKey("product:{product_id}")    // edge purge
 *     .build();
 * }</pre>
 *
 * <p>An image that lacks a column a template needs (a delete or key-changing update under the
 * default {@code REPLICA IDENTITY}, which sends only the key) contributes nothing for that
 * template; use {@link ChangeCapture.Builder#replicaIdentityFull(boolean)} when templates use
 * non-key columns.
 */
public final class TableMapping {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

  private final String schema;
  private final String table;
  private final List<Target> keys;
  private final List<Target> tags;
  private final List<Template> surrogateKeys;

  private TableMapping(Builder b) {
    this.schema = b.schema;
    this.table = b.table;
    this.keys = List.copyOf(b.keys);
    this.tags = List.copyOf(b.tags);
    this.surrogateKeys = List.copyOf(b.surrogateKeys);
  }

  /**
   * Starts a mapping for a table, {@code name} or {@code schema.name} (schema {@code public} by
   * default); unquoted lower-case identifiers as PostgreSQL stores them.
   */
  public static Builder table(String table) {
    return new Builder(table);
  }

  public String schema() {
    return schema;
  }

  public String table() {
    return table;
  }

  /** {@code schema.table}. */
  public String qualifiedName() {
    return schema + "." + table;
  }

  /** Every column any template of this mapping reads. */
  public Set<String> columns() {
    Set<String> cols = new LinkedHashSet<>();
    for (Target t : keys) {
      cols.addAll(t.template.columns);
    }
    for (Target t : tags) {
      cols.addAll(t.template.columns);
    }
    for (Template t : surrogateKeys) {
      cols.addAll(t.columns);
    }
    return cols;
  }

  /**
   * Renders every template against the change's old and new images.
   *
   * @param key receives (region, key) pairs
   * @param tag receives (region, tag) pairs
   * @param surrogate receives edge surrogate keys
   */
  public void render(RowChange change, BiConsumer<String, String> key, BiConsumer<String, String> tag,
      java.util.function.Consumer<String> surrogate) {
    for (Map<String, String> image : List.of(change.before(), change.after())) {
      if (image.isEmpty()) {
        continue;
      }
      for (Target t : keys) {
        String s = t.template.render(image);
        if (s != null) {
          key.accept(t.region, s);
        }
      }
      for (Target t : tags) {
        String s = t.template.render(image);
        if (s != null) {
          tag.accept(t.region, s);
        }
      }
      for (Template t : surrogateKeys) {
        String s = t.render(image);
        if (s != null) {
          surrogate.accept(s);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "TableMapping{" + qualifiedName() + ", keys=" + keys + ", tags=" + tags + ", surrogateKeys="
        + surrogateKeys + "}";
  }

  private record Target(String region, Template template) {
    @Override
    public String toString() {
      return region + ":" + template;
    }
  }

  /** A parsed template: literal text and column placeholders. */
  static final class Template {
    private final String text;
    private final List<String> literals = new ArrayList<>();
    private final List<String> columns = new ArrayList<>();

    Template(String text) {
      this.text = Objects.requireNonNull(text, "template");
      if (text.isEmpty()) {
        throw new IllegalArgumentException("template must not be empty");
      }
      Matcher m = PLACEHOLDER.matcher(text);
      int last = 0;
      while (m.find()) {
        String col = m.group(1).trim();
        if (!IDENT.matcher(col).matches()) {
          throw new IllegalArgumentException("template '" + text + "': '{" + m.group(1)
              + "}' is not a column name");
        }
        literals.add(text.substring(last, m.start()));
        columns.add(col);
        last = m.end();
      }
      String tail = text.substring(last);
      if (tail.indexOf('{') >= 0 || tail.indexOf('}') >= 0 || literals.stream().anyMatch(
          l -> l.indexOf('{') >= 0 || l.indexOf('}') >= 0)) {
        throw new IllegalArgumentException("template '" + text + "' has an unbalanced brace");
      }
      literals.add(tail);
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("template '" + text + "' names no column, e.g. '{product_id}'");
      }
    }

    /** The rendered string, or null when the image lacks a column (or it is NULL). */
    String render(Map<String, String> image) {
      StringBuilder sb = new StringBuilder(text.length() + 16);
      for (int i = 0; i < columns.size(); i++) {
        String v = image.get(columns.get(i));
        if (v == null) {
          return null;
        }
        sb.append(literals.get(i)).append(v);
      }
      return sb.append(literals.get(columns.size())).toString();
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** Builds a {@link TableMapping}. */
  public static final class Builder {
    private final String schema;
    private final String table;
    private final List<Target> keys = new ArrayList<>();
    private final List<Target> tags = new ArrayList<>();
    private final List<Template> surrogateKeys = new ArrayList<>();

    private Builder(String qualified) {
      Objects.requireNonNull(qualified, "table");
      String[] parts = qualified.split("\\.", -1);
      if (parts.length > 2 || parts.length == 0) {
        throw new IllegalArgumentException("table '" + qualified + "' must be 'name' or 'schema.name'");
      }
      for (String p : parts) {
        if (!IDENT.matcher(p).matches()) {
          throw new IllegalArgumentException("table '" + qualified + "': '" + p + "' is not an identifier");
        }
      }
      this.schema = parts.length == 2 ? parts[0] : "public";
      this.table = parts[parts.length - 1];
    }

    /** A change invalidates the key {@code template} of region {@code region}. */
    public Builder key(String region, String template) {
      keys.add(new Target(requireRegion(region), new Template(template)));
      return this;
    }

    /** A change invalidates the tag {@code template} of region {@code region}. */
    public Builder tag(String region, String template) {
      tags.add(new Target(requireRegion(region), new Template(template)));
      return this;
    }

    /** A change purges the edge's surrogate key {@code template}. */
    public Builder surrogateKey(String template) {
      surrogateKeys.add(new Template(template));
      return this;
    }

    public TableMapping build() {
      if (keys.isEmpty() && tags.isEmpty() && surrogateKeys.isEmpty()) {
        throw new IllegalStateException("mapping of " + schema + "." + table
            + " invalidates nothing: add a key, tag or surrogateKey");
      }
      return new TableMapping(this);
    }

    private static String requireRegion(String region) {
      if (region == null || region.isBlank()) {
        throw new IllegalArgumentException("region must not be blank, was '" + region + "'");
      }
      return region;
    }
  }
}
