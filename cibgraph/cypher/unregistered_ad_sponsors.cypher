// name: unregistered_ad_sponsors
// description: Ad sponsors ("paid for by" names) that match no registry entry after normalisation
//   (case, punctuation and spacing do not matter), with the accounts that bought their ads,
//   the number of ads and the total spend (see `currencies`: amounts are summed as given).
//   Only disclaimers count: an Ad Library ad without one (its page standing in as sponsor) and
//   CrowdTangle branded content are not "paid for by" statements.
// columns: sponsor, name_norm, account_ids, ads, spend, currencies
// view: sets account_ids label=sponsor
MATCH (s:Sponsor)<-[:SPONSORED_BY]-(ad:Ad)
WHERE NOT coalesce(s.registered, false)
  AND coalesce(ad.sponsor_from, '') <> 'page' AND coalesce(ad.kind, '') <> 'branded_content'
WITH s, count(ad) AS ads, sum(coalesce(ad.spend, 0.0)) AS spend,
     [c IN collect(DISTINCT ad.currency) WHERE c IS NOT NULL] AS currencies
OPTIONAL MATCH (s)<-[:SPONSORED_BY]-(bought:Ad)<-[:BOUGHT]-(a:Account)
WHERE coalesce(bought.sponsor_from, '') <> 'page' AND coalesce(bought.kind, '') <> 'branded_content'
WITH s, ads, spend, currencies, a ORDER BY a.id
WITH s, ads, spend, currencies, collect(DISTINCT a.id) AS account_ids
RETURN s.name AS sponsor, s.name_norm AS name_norm, account_ids, ads, spend, currencies
ORDER BY spend DESC, sponsor
