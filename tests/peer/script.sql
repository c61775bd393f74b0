-- Workload for tests/peer/compare_heaptrack.py: run as `sqlite3 :memory: < script.sql`.
-- Deterministic: no random(), no time functions.
CREATE TABLE item (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL,
    grp    INTEGER NOT NULL,
    price  REAL NOT NULL,
    note   TEXT
);

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 20000)
INSERT INTO item (id, name, grp, price, note)
SELECT n,
       'item-' || n,
       (n * 7919) % 97,
       ((n * 104729) % 100000) / 100.0,
       CASE WHEN n % 5 = 0 THEN NULL ELSE printf('%.*c', 10 + n % 40, 'x') END
FROM seq;

CREATE INDEX item_grp_price ON item (grp, price);
CREATE INDEX item_name ON item (name);

SELECT count(*), sum(price), min(price), max(price) FROM item;
SELECT grp, count(*), round(avg(price), 2), max(length(note)) FROM item GROUP BY grp ORDER BY grp LIMIT 10;
SELECT name, price FROM item WHERE grp = 42 ORDER BY price DESC LIMIT 5;
SELECT count(*) FROM item WHERE name LIKE 'item-1%';
SELECT a.grp, count(*) FROM item a JOIN item b ON a.id = b.id + 1 AND a.grp = b.grp GROUP BY a.grp ORDER BY 2 DESC LIMIT 3;
UPDATE item SET price = price * 1.1 WHERE grp < 10;
DELETE FROM item WHERE id % 3 = 0;
SELECT grp, group_concat(id) FROM (SELECT grp, id FROM item WHERE id < 200 ORDER BY id) GROUP BY grp ORDER BY grp LIMIT 3;
SELECT count(*), round(sum(price), 2) FROM item;
