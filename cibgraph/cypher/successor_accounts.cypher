// name: successor_accounts
// description: Accounts that took over from accounts that went quiet: they started posting after
//   a predecessor's last post (within `max_gap_days`) and posted the same uncommon items
//   (images, near-duplicate images, texts or URLs that at most `max_sharers` accounts ever
//   posted, so widely shared memes link no one).
// param: min_shared int = 3 [1..1000] : least items shared with a predecessor (two can be chance: common captions)
// param: max_gap_days int = 60 [1..3650] : longest gap between the predecessor's last and the successor's first post
// param: max_sharers int = 20 [2..1000] : items posted by more accounts are too common to count
// param: margin_days int = 7 [0..3650] : a predecessor's last post must be this long before the end of the data
// param: max_phash_distance int = 6 [0..64] : images this many bits apart or fewer count as the same
// columns: account_id, predecessor_ids, shared, first_post_at
// view: related account_id predecessor_ids weight=shared
// cost: heavy
CALL () { MATCH (x:Account) WHERE x.last_post_at IS NOT NULL RETURN max(x.last_post_at) AS data_end }
MATCH (pred:Account)
WHERE pred.last_post_at IS NOT NULL AND pred.last_post_at < data_end - duration({days: $margin_days})
MATCH (pred)-[:POSTED]->(pp:Post)
CALL (pp) {
  MATCH (pp)-[:HAS_MEDIA]->(i:Image)
  RETURN 'image' AS kind, i.key AS value
  UNION
  WITH pp WHERE pp.text_key IS NOT NULL
  RETURN 'text' AS kind, pp.text_key AS value
  UNION
  MATCH (pp)-[:LINKS_TO]->(u:Url)
  RETURN 'url' AS kind, u.url AS value
}
// one look-up per distinct item, however many predecessors posted it
WITH kind, value, collect(DISTINCT pred) AS preds
CALL (kind, value) {
  MATCH (i:Image {key: value}) WHERE kind = 'image'
  OPTIONAL MATCH (i)-[nd:NEAR_DUPLICATE]-(j:Image) WHERE nd.distance <= $max_phash_distance
  WITH i, collect(j) AS near
  WITH near + [i] AS images
  UNWIND images AS im
  MATCH (im)<-[:HAS_MEDIA]-(:Post)<-[:POSTED]-(author:Account)
  RETURN author
  UNION
  MATCH (:Post {text_key: value})<-[:POSTED]-(author:Account) WHERE kind = 'text'
  RETURN author
  UNION
  MATCH (:Url {url: value})<-[:LINKS_TO]-(:Post)<-[:POSTED]-(author:Account) WHERE kind = 'url'
  RETURN author
}
WITH kind, value, preds, collect(author) AS authors
WHERE size(authors) <= $max_sharers
UNWIND preds AS pred
UNWIND authors AS succ
WITH pred, succ, kind + ':' + value AS item
WHERE succ <> pred AND succ.first_post_at > pred.last_post_at
  AND succ.first_post_at <= pred.last_post_at + duration({days: $max_gap_days})
WITH succ, pred, count(DISTINCT item) AS shared
WHERE shared >= $min_shared
WITH succ, pred, shared ORDER BY pred.id
RETURN succ.id AS account_id, collect(pred.id) AS predecessor_ids, sum(shared) AS shared,
       succ.first_post_at AS first_post_at
ORDER BY shared DESC, account_id
