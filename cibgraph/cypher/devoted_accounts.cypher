// name: devoted_accounts
// description: Hyper-devoted accounts: accounts with at least `min_posts` posts of which at
//   least `min_share` carry one of the given hashtags (compared lower case, without `#`).
// param: hashtags list[str] [1..200] : the campaign's hashtags
// param: min_posts int = 20 [1..1000000] : least number of posts
// param: min_share float = 0.9 [0..1] : least share of posts with one of the hashtags
// columns: account_id, handle, posts, tagged, share
// view: accounts account_id
// cost: heavy
WITH [h IN $hashtags | toLower(CASE WHEN h STARTS WITH '#' THEN substring(h, 1) ELSE h END)] AS tags
MATCH (a:Account)-[:POSTED]->(p:Post)
WITH a, tags, count(p) AS posts,
     count(CASE WHEN EXISTS { (p)-[:TAGGED]->(h:Hashtag) WHERE h.name IN tags } THEN 1 END) AS tagged
WHERE posts >= $min_posts AND toFloat(tagged) / posts >= $min_share
RETURN a.id AS account_id, a.handle AS handle, posts, tagged, toFloat(tagged) / posts AS share
ORDER BY posts DESC, account_id
