-- The SQLite benchmark workload: inserts, an index, joins, grouping and
-- sorting on an in-memory database.  The row counts scale the run
-- (bench/large_programs.py calibrates them).
PRAGMA cache_size = -16000;
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, city INTEGER);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, amount INTEGER, note TEXT);
CREATE TABLE items(order_id INTEGER, product INTEGER, qty INTEGER);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
  INSERT INTO customers SELECT i, 'customer ' || i, i % 37 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
  INSERT INTO orders SELECT i, (i * 7919) % 1000 + 1, (i * 104729) % 1000, printf('order-%06d', i) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
  INSERT INTO items SELECT (i * 31) % 10000 + 1, i % 503, i % 9 + 1 FROM n;
COMMIT;
CREATE INDEX items_order ON items(order_id);
CREATE INDEX orders_customer ON orders(customer);
SELECT count(*), sum(amount) FROM orders;
SELECT c.city, count(DISTINCT c.id), sum(o.amount)
  FROM customers c JOIN orders o ON o.customer = c.id
  GROUP BY c.city ORDER BY sum(o.amount) DESC LIMIT 5;
SELECT i.product, sum(i.qty * o.amount) AS revenue
  FROM items i JOIN orders o ON o.id = i.order_id
  GROUP BY i.product ORDER BY revenue DESC, i.product LIMIT 5;
SELECT c.name, count(*) AS n
  FROM customers c JOIN orders o ON o.customer = c.id JOIN items i ON i.order_id = o.id
  WHERE i.product % 10 = 3
  GROUP BY c.id ORDER BY n DESC, c.id LIMIT 5;
UPDATE orders SET amount = amount + 1 WHERE customer IN (SELECT id FROM customers WHERE city = 5);
DELETE FROM items WHERE qty = 9;
SELECT count(*), sum(qty) FROM items;
SELECT substr(note, 1, 8), count(*) FROM orders GROUP BY substr(note, 1, 8) ORDER BY 2 DESC, 1 LIMIT 3;
