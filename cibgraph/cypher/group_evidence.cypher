// name: group_evidence
// description: Why a group's members are linked: every item (image, near-duplicate image,
//   normalised text or URL) that at least two members posted, with each member's post id and
//   time, closest-timed items first.
// param: group_id str [1..200] : the group's id (see coordinated_groups)
// param: max_phash_distance int = 6 [0..64] : images this many bits apart or fewer count as the same
// columns: item, kind, accounts, posts, spread_seconds
// view: sets accounts label=item
MATCH (g:Group {id: $group_id})<-[:MEMBER_OF]-(a:Account)-[:POSTED]->(p:Post)
CALL (p) {
  MATCH (p)-[:HAS_MEDIA]->(i:Image)
  OPTIONAL MATCH (i)-[nd:NEAR_DUPLICATE]-(j:Image) WHERE nd.distance <= $max_phash_distance
  WITH i, min(j.key) AS m
  RETURN CASE WHEN m IS NOT NULL AND m < i.key THEN m ELSE i.key END AS item, 'image' AS kind
  UNION
  WITH p WHERE p.text_key IS NOT NULL
  RETURN 'text:' + p.text_key AS item, 'text' AS kind
  UNION
  MATCH (p)-[:LINKS_TO]->(u:Url)
  RETURN 'url:' + u.url AS item, 'url' AS kind
}
WITH item, kind, a, p ORDER BY p.posted_at
WITH item, kind, collect(DISTINCT a.id) AS accounts,
     collect({account_id: a.id, post_id: p.id, posted_at: p.posted_at}) AS posts,
     min(p.posted_at) AS first_at, max(p.posted_at) AS last_at
WHERE size(accounts) >= 2
RETURN item, kind, accounts, posts,
       last_at.epochSeconds - first_at.epochSeconds AS spread_seconds
ORDER BY size(accounts) DESC, spread_seconds, item
