// name: group_evidence
// description: Why a group's members are linked: the shared items its score counted (image
//   clusters, near-identical captions, URLs, commented posts: the group's EVIDENCE items), with
//   each member's posts of the item and their times, most members and closest-timed first.
// param: group_id str [1..200] : the group's id (see coordinated_groups)
// columns: item, kind, preview, sharers, accounts, posts, spread_seconds
// view: sets accounts label=item
MATCH (g:Group {id: $group_id})-[:EVIDENCE]->(it:Item)
CALL (g, it) {
  MATCH (g)<-[:MEMBER_OF]-(a:Account)-[:POSTED]->(p:Post)-[:CARRIES]->(it)
  RETURN a.id AS account_id, p.id AS post_id, p.posted_at AS posted_at
  UNION
  MATCH (g)<-[:MEMBER_OF]-(a:Account)-[c:COMMENTED|SHARED]->(p:Post)<-[:ABOUT]-(it)
  RETURN a.id AS account_id, p.id AS post_id, c.at AS posted_at
}
WITH it, account_id, post_id, posted_at ORDER BY posted_at, account_id, post_id
WITH it, collect(DISTINCT account_id) AS accounts,
     collect({account_id: account_id, post_id: post_id, posted_at: posted_at}) AS posts,
     min(posted_at) AS first_at, max(posted_at) AS last_at
RETURN it.key AS item, it.kind AS kind, it.preview AS preview, it.sharers AS sharers,
       accounts, posts, last_at.epochSeconds - first_at.epochSeconds AS spread_seconds
ORDER BY size(accounts) DESC, spread_seconds, item
