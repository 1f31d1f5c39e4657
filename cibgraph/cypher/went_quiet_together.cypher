// name: went_quiet_together
// description: Accounts whose last post fell on the same day, before the last week of the data
//   (everyone's last post is near the end of a collection). With `linked_only` (the default)
//   only accounts that `cibgraph detect` linked are considered; set it false for raw days.
// param: min_size int = 3 [2..1000000] : least number of accounts going quiet that day
// param: linked_only bool = true : only accounts with detected coordination
// param: margin_days int = 7 [0..3650] : ignore days this close to the last post in the graph
// columns: went_quiet_on, account_ids, size
// view: sets account_ids label=went_quiet_on
// cost: heavy
CALL () { MATCH (x:Account) WHERE x.last_post_at IS NOT NULL RETURN max(x.last_post_at) AS data_end }
MATCH (a:Account) WHERE a.last_post_at IS NOT NULL AND a.stub IS NULL
  AND a.last_post_at < data_end - duration({days: $margin_days})
  AND (NOT $linked_only OR EXISTS { (a)-[:COORDINATED_WITH]-() } OR EXISTS { (a)-[:MEMBER_OF]->() })
WITH date(a.last_post_at) AS went_quiet_on, a ORDER BY a.id
WITH went_quiet_on, collect(a.id) AS account_ids
WHERE size(account_ids) >= $min_size
RETURN went_quiet_on, account_ids, size(account_ids) AS size
ORDER BY size DESC, went_quiet_on
