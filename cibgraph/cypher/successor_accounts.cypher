// name: successor_accounts
// description: Accounts that took over from accounts that went quiet, ranked by score: they
//   started posting after a predecessor's last post (within `max_gap_days`) and, early in their
//   own activity (their first `early_days`), re-posted the predecessor's uncommon shared items
//   (items at most `max_sharers` accounts ever posted, so widely shared memes link no one).
//   The score adds 1/(sharers - 1) per item, as the coordination score does: a picture only the
//   two accounts ever posted counts 1, one that ten accounts posted counts 1/9.
// param: min_shared int = 3 [1..1000] : least items shared with a predecessor (two can be chance: common captions)
// param: max_gap_days int = 60 [1..3650] : longest gap between the predecessor's last and the successor's first post
// param: max_sharers int = 20 [2..1000] : items posted by more accounts are too common to count
// param: margin_days int = 7 [0..3650] : a predecessor's last post must be this long before the end of the data
// param: early_days int = 90 [1..3650] : only the successor's posts in its first this many days count
// param: min_score float = 1.0 [0..1000000] : least score against one predecessor
// columns: account_id, predecessor_ids, shared, score, first_post_at
// view: related account_id predecessor_ids weight=score
// cost: heavy
CALL () { MATCH (x:Account) WHERE x.last_post_at IS NOT NULL RETURN max(x.last_post_at) AS data_end }
MATCH (pred:Account)
WHERE pred.last_post_at IS NOT NULL AND pred.last_post_at < data_end - duration({days: $margin_days})
MATCH (pred)-[:POSTED]->(:Post)-[:CARRIES]->(it:Item)
WHERE it.sharers <= $max_sharers
WITH DISTINCT pred, it
MATCH (it)<-[:CARRIES]-(sp:Post)<-[:POSTED]-(succ:Account)
WHERE succ <> pred AND succ.first_post_at > pred.last_post_at
  AND succ.first_post_at <= pred.last_post_at + duration({days: $max_gap_days})
  AND sp.posted_at <= succ.first_post_at + duration({days: $early_days})
WITH DISTINCT succ, pred, it
WITH succ, pred, count(it) AS shared, sum(1.0 / (it.sharers - 1)) AS score
WHERE shared >= $min_shared AND score >= $min_score
WITH succ, pred, shared, score ORDER BY pred.id
RETURN succ.id AS account_id, collect(pred.id) AS predecessor_ids, sum(shared) AS shared,
       round(sum(score), 4) AS score, succ.first_post_at AS first_post_at
ORDER BY score DESC, account_id
