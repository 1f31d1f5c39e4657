// name: borrowed_profile_photos
// description: Accounts whose profile photo is a picture known from elsewhere (a reference image):
//   the same image, or a near duplicate within `max_phash_distance` bits (from the NEAR_DUPLICATE
//   relationships written by `cibgraph detect`; before it ran, only exact copies).
// param: max_phash_distance int = 6 [0..64] : largest Hamming distance between the two perceptual hashes
// columns: account_id, source, distance, reference_id
// view: accounts account_id
MATCH (r:ReferenceImage)-[:DEPICTS]->(ri:Image)
CALL (ri) {
  MATCH (a:Account)-[:HAS_PROFILE_IMAGE]->(ri)
  RETURN a, 0 AS distance
  UNION
  MATCH (ri)-[nd:NEAR_DUPLICATE]-(:Image)<-[:HAS_PROFILE_IMAGE]-(a:Account)
  WHERE nd.distance <= $max_phash_distance
  RETURN a, nd.distance AS distance
}
WITH a, r, min(distance) AS distance
RETURN a.id AS account_id, r.source AS source, distance, r.id AS reference_id
ORDER BY account_id, distance, reference_id
