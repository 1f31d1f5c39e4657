// name: creation_cohorts
// description: Accounts created on the same day, with the members of each cohort that also went
//   quiet (last post) on one same day. With `linked_only` (the default) only accounts that
//   `cibgraph detect` linked (COORDINATED_WITH or a group) are considered, since on a large
//   platform many unrelated accounts are created every day; set it false for raw cohorts.
// param: min_size int = 3 [2..1000000] : least number of accounts created that day
// param: linked_only bool = true : only accounts with detected coordination
// columns: created_on, account_ids, size, went_quiet_together
// view: sets account_ids label=created_on
// cost: heavy
MATCH (a:Account) WHERE a.created_at IS NOT NULL AND a.stub IS NULL
  AND (NOT $linked_only OR EXISTS { (a)-[:COORDINATED_WITH]-() } OR EXISTS { (a)-[:MEMBER_OF]->() })
WITH date(a.created_at) AS created_on, a ORDER BY a.id
WITH created_on, collect(a) AS cohort
WHERE size(cohort) >= $min_size
UNWIND cohort AS a
WITH created_on, cohort, CASE WHEN a.last_post_at IS NULL THEN null ELSE date(a.last_post_at) END AS quiet_on, collect(a.id) AS same_quiet
WITH created_on, cohort,
     collect(CASE WHEN quiet_on IS NOT NULL AND size(same_quiet) >= 2 THEN {went_quiet_on: quiet_on, account_ids: same_quiet} END) AS quiet
RETURN created_on, [x IN cohort | x.id] AS account_ids, size(cohort) AS size,
       quiet AS went_quiet_together
ORDER BY size DESC, created_on
