// name: shared_profile_photos
// description: Profile photos (the same image) used by several accounts. Photos used by more
//   than `max_accounts` accounts are default avatars or platform placeholders and are left out.
// param: min_accounts int = 2 [2..1000000] : least number of accounts using the photo
// param: max_accounts int = 50 [2..1000000] : photos used by more accounts are left out
// columns: image, account_ids, size
// view: sets account_ids label=image
MATCH (i:Image)<-[:HAS_PROFILE_IMAGE]-(a:Account)
WITH i, count(a) AS n
WHERE n >= $min_accounts AND n <= $max_accounts
MATCH (i)<-[:HAS_PROFILE_IMAGE]-(a:Account)
WITH i, a ORDER BY a.id
WITH i, collect(a.id) AS account_ids
RETURN i.key AS image, account_ids, size(account_ids) AS size
ORDER BY size DESC, image
