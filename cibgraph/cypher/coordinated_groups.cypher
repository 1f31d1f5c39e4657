// name: coordinated_groups
// description: The groups written by `cibgraph detect` (communities of the weighted coordination
//   graph), strongest first, with their members, score, the signals behind the score and a
//   plain-language explanation. Empty until `cibgraph detect` has run.
// param: min_size int = 2 [1..1000000] : least number of members
// param: min_score float = 0.0 [0..1000000] : least group score
// columns: group_id, members, size, score, signals, explanation
// view: sets members label=group_id
MATCH (g:Group)<-[:MEMBER_OF]-(a:Account)
WITH g, a ORDER BY a.id
WITH g, collect(a.id) AS members
WHERE size(members) >= $min_size AND coalesce(g.score, 0.0) >= $min_score
RETURN g.id AS group_id, members, size(members) AS size, g.score AS score,
       g.signals AS signals, g.explanation AS explanation
ORDER BY score DESC, group_id
