-- The same shop, version 2: a rename, a new table, a type change SQLite can only do by
-- rebuilding the table, a dropped column, a partial index and a view.
CREATE TABLE customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  full_name TEXT NOT NULL, -- @renamed from=name
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  marketing_opt_in INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE categories (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  parent_id INTEGER REFERENCES categories (id)
);

CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL,
  title TEXT NOT NULL,
  price NUMERIC(10, 2) NOT NULL CHECK (price >= 0),
  category_id INTEGER REFERENCES categories (id)
);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  placed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  status TEXT NOT NULL DEFAULT 'new'
);

CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (order_id, product_id)
);

CREATE INDEX orders_customer ON orders (customer_id);
CREATE UNIQUE INDEX products_sku ON products (sku);
CREATE INDEX orders_open ON orders (placed_at) WHERE status <> 'shipped';

CREATE VIEW open_orders AS
  SELECT o.id, c.email, o.placed_at FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status <> 'shipped';
