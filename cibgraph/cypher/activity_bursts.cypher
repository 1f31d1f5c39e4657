// name: activity_bursts
// description: Accounts whose engagement came mostly after a date: `share_since` is the share of
//   the interactions (likes + comments + shares) received by the account's posts that went to
//   posts published since `since`.
// param: since datetime : the date (ISO 8601) from which to count
// param: min_interactions int = 100 [0..1000000000] : least total interactions
// param: min_share float = 0.5 [0..1] : least share since the date
// columns: account_id, share_since, interactions, interactions_since, posts
// view: accounts account_id
// cost: heavy
MATCH (a:Account)-[:POSTED]->(p:Post)
WHERE p.interactions IS NOT NULL
WITH a, count(p) AS posts, sum(p.interactions) AS interactions,
     sum(CASE WHEN p.posted_at >= $since THEN p.interactions ELSE 0 END) AS interactions_since
WHERE interactions >= $min_interactions AND interactions > 0
  AND toFloat(interactions_since) / interactions >= $min_share
RETURN a.id AS account_id, toFloat(interactions_since) / interactions AS share_since,
       interactions, interactions_since, posts
ORDER BY share_since DESC, interactions DESC, account_id
