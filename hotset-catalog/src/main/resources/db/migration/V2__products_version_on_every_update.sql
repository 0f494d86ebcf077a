-- Every change to a products row moves its version on, also when the writer (an operator's SQL, a
-- migration, another tool) does not bump it. The version is the product's ETag and the "version"
-- of its JSON: left unchanged, a client or the edge (Varnish answers If-None-Match itself) holding
-- the old tag would be told 304 Not Modified for a changed product. Writers that bump it
-- themselves (the service: version = version + 1) are left as they are.
CREATE FUNCTION products_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version = OLD.version AND NEW IS DISTINCT FROM OLD THEN
    NEW.version := OLD.version + 1;
    IF NEW.updated_at = OLD.updated_at THEN
      NEW.updated_at := now();
    END IF;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER products_bump_version BEFORE UPDATE ON products
  FOR EACH ROW EXECUTE FUNCTION products_bump_version();
