// name: went_quiet_together
// description: Blocks of accounts that went quiet together: their last posts fall within
//   `tolerance_days` of each other (a chain: each last post at most that long after the one
//   before), before the last week of the data (everyone's last post is near the end of a
//   collection). With `linked_only` (the default) only accounts that `cibgraph detect` linked
//   are considered, and blocks form within each detected group (accounts linked to no group
//   form one pool); set it false for raw blocks over every account.
// param: min_size int = 3 [2..1000000] : least number of accounts in a block
// param: linked_only bool = true : only accounts with detected coordination
// param: margin_days int = 7 [0..3650] : ignore days this close to the last post in the graph
// param: tolerance_days int = 3 [0..60] : last posts this many days apart or closer are one block
// columns: went_quiet_on, last_post_on, account_ids, size
// view: sets account_ids label=went_quiet_on
// cost: heavy
CALL () { MATCH (x:Account) WHERE x.last_post_at IS NOT NULL RETURN max(x.last_post_at) AS data_end }
MATCH (a:Account) WHERE a.last_post_at IS NOT NULL AND a.stub IS NULL
  AND a.last_post_at < data_end - duration({days: $margin_days})
OPTIONAL MATCH (a)-[:MEMBER_OF]->(g:Group)
WITH a, g
WHERE NOT $linked_only OR g IS NOT NULL OR EXISTS { (a)-[:COORDINATED_WITH]-() }
WITH CASE WHEN $linked_only THEN coalesce(g.id, '') ELSE '' END AS scope, a
ORDER BY scope, a.last_post_at, a.id
WITH scope, collect(a) AS accounts
WITH reduce(st = {blocks: [], cur: [], last: null}, x IN accounts |
       CASE WHEN st.last IS NOT NULL
                 AND x.last_post_at > st.last + duration({days: $tolerance_days})
            THEN {blocks: st.blocks + [st.cur], cur: [x], last: x.last_post_at}
            ELSE {blocks: st.blocks, cur: st.cur + [x], last: x.last_post_at} END) AS st
UNWIND st.blocks + [st.cur] AS block
WITH block WHERE size(block) >= $min_size
WITH block, date(block[0].last_post_at) AS went_quiet_on, date(block[-1].last_post_at) AS last_post_on
UNWIND block AS x
WITH went_quiet_on, last_post_on, block, x ORDER BY x.id
WITH went_quiet_on, last_post_on, collect(x.id) AS account_ids
RETURN went_quiet_on, last_post_on, account_ids, size(account_ids) AS size
ORDER BY size DESC, went_quiet_on
