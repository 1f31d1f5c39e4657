// name: similar_names
// description: Pairs of accounts with similar handles (Dice similarity of character bigrams,
//   ignoring `.`, `_` and `-`). With `linked_only` (the default) only pairs that `cibgraph
//   detect` linked (COORDINATED_WITH or the same group) are compared; otherwise every pair of
//   accounts whose handles have the same letters once digits and separators are removed
//   (blocks larger than `max_block` are skipped: such stems are common names).
// param: min_similarity float = 0.7 [0.5..1] : least similarity (below 0.5 nearly every pair is chance, and the most costly)
// param: linked_only bool = true : only compare accounts with detected coordination
// param: max_block int = 200 [2..200] : largest block of same-stem accounts compared pairwise
// columns: account_id, other_account_id, similarity, handle, other_handle
// view: pairs account_id other_account_id weight=similarity
// cost: heavy
CALL () {
  MATCH (a:Account)-[:COORDINATED_WITH]-(b:Account) WHERE a.id < b.id
  RETURN a, b
  UNION
  MATCH (a:Account)-[:MEMBER_OF]->(:Group)<-[:MEMBER_OF]-(b:Account) WHERE a.id < b.id
  RETURN a, b
  UNION
  MATCH (a:Account)
  WHERE NOT $linked_only AND a.handle_norm IS NOT NULL AND a.stub IS NULL
  WITH a, reduce(s = '', c IN split(a.handle_norm, '') |
         s + CASE WHEN c IN ['0','1','2','3','4','5','6','7','8','9','.','_','-'] THEN '' ELSE c END) AS stem
  WHERE size(stem) >= 3
  WITH stem, collect(a) AS same
  WHERE size(same) > 1 AND size(same) <= $max_block
  UNWIND same AS a
  UNWIND same AS b
  WITH a, b WHERE a.id < b.id
  RETURN a, b
}
WITH a, b,
     reduce(s = '', c IN split(coalesce(a.handle_norm, ''), '') | s + CASE WHEN c IN ['.','_','-'] THEN '' ELSE c END) AS ha,
     reduce(s = '', c IN split(coalesce(b.handle_norm, ''), '') | s + CASE WHEN c IN ['.','_','-'] THEN '' ELSE c END) AS hb
WHERE size(ha) >= 2 AND size(hb) >= 2
WITH a, b, [i IN range(0, size(ha) - 2) | substring(ha, i, 2)] AS ga,
     [i IN range(0, size(hb) - 2) | substring(hb, i, 2)] AS gb
WITH a, b, toFloat(size([g IN ga WHERE g IN gb]) + size([g IN gb WHERE g IN ga])) / (size(ga) + size(gb)) AS similarity
WHERE similarity >= $min_similarity
RETURN a.id AS account_id, b.id AS other_account_id, similarity, a.handle AS handle, b.handle AS other_handle
ORDER BY similarity DESC, account_id, other_account_id
