// name: co_posting_pairs
// description: Pairs of accounts that posted the same shared item (an image cluster, a
//   near-identical caption cluster or a URL: the `Item` nodes that `cibgraph detect` writes)
//   within a time window, with how many distinct items they shared that way. Plain co-share
//   counting, without rarity weighting (compare coordinated_groups). Posts are bucketed by time
//   so that only posts in the same or the next bucket are compared: the work grows with the
//   pairs that really fall in the window, not with the square of an item's sharers. Empty
//   until `cibgraph detect` has run.
// param: window_seconds int = 60 [1..86400] : largest gap between the two posts, in seconds
// param: min_shared int = 2 [1..1000000] : least number of distinct shared items
// param: item_kinds list[str] = image,text,url [1..3] : which kinds of item count (image, text, url)
// columns: account_id, other_account_id, shared, first_at, last_at
// view: pairs account_id other_account_id weight=shared
// cost: heavy
MATCH (it:Item) WHERE it.kind IN $item_kinds
MATCH (a:Account)-[:POSTED]->(p:Post)-[:CARRIES]->(it)
WITH it.key AS item, a.id AS account, p.posted_at.epochSeconds AS t
WITH item, collect({a: account, t: t}) AS posts
WHERE size(posts) > 1
UNWIND posts AS post
WITH item, post.t / $window_seconds AS bucket, collect(post) AS inb
ORDER BY item, bucket
WITH item, collect({b: bucket, posts: inb}) AS buckets
UNWIND range(0, size(buckets) - 1) AS k
WITH item, buckets[k] AS cur,
     CASE WHEN k + 1 < size(buckets) AND buckets[k + 1].b = buckets[k].b + 1
          THEN buckets[k + 1].posts ELSE [] END AS nxt
UNWIND range(0, size(cur.posts) - 1) AS x
WITH item, cur.posts[x] AS p1, cur.posts[x + 1..] + nxt AS candidates
UNWIND candidates AS p2
WITH item, p1, p2
WHERE p1.a <> p2.a AND abs(p2.t - p1.t) <= $window_seconds
WITH CASE WHEN p1.a < p2.a THEN p1.a ELSE p2.a END AS account_id,
     CASE WHEN p1.a < p2.a THEN p2.a ELSE p1.a END AS other_account_id,
     item,
     CASE WHEN p1.t < p2.t THEN p1.t ELSE p2.t END AS t
WITH account_id, other_account_id, count(DISTINCT item) AS shared, min(t) AS first_t, max(t) AS last_t
WHERE shared >= $min_shared
RETURN account_id, other_account_id, shared,
       datetime({epochSeconds: first_t}) AS first_at,
       datetime({epochSeconds: last_t}) AS last_at
ORDER BY shared DESC, account_id, other_account_id
