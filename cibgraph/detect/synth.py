"""A synthetic influence-operation scenario with ground truth, in the canonical dataset format.

At scale 1.0 it has the size of the study it imitates: about 52,000 accounts,
350 hyper-devoted accounts posting about 120,000 times under the campaign
hashtags, and 19 coordinated accounts in 4 groups:

- A (5 accounts): created the same day, co-post their own pictures within
  seconds, all go quiet on the same day;
- B (4 successors): created together after A went quiet; they re-post A's
  pictures and coordinate among themselves; they share one profile photo;
- C (5): profile photos borrowed from stock pictures (near-duplicate
  copies of reference images); comment in tandem; buy ads from an
  unregistered sponsor;
- D (5): similar handles; comment in tandem; buy ads from the same
  unregistered sponsor;
- E (5): a scheduler: each of its own pictures goes to one member after
  another, a few minutes apart, nearly always in the same order;
- F (5): a copy-paste crew: lightly edited captions (case changed, an emoji
  added, a word swapped, another hashtag tail) on different pictures,
  minutes apart, in no fixed order.

Every group also behaves like fans (reposting viral memes), and the
genuine population carries the hard negatives: fans who repost the same
viral memes within minutes (some of them very fast), circles of friends who
repost each other's pictures, a default avatar shared by thousands, very
active genuine accounts, registered sponsors written with different case and
punctuation, accounts created on the same day by chance; news cascades
(hundreds of accounts posting the same photo, or re-encoded copies of it,
within minutes, with heavy news posters in most of them); chain letters
copied, with small edits, by hundreds of genuine accounts over days.

`generate(out_dir, scale=1.0, seed=7)` writes accounts.jsonl, posts.jsonl,
ads.jsonl, sponsors.jsonl, reference_images.jsonl, interactions.jsonl,
follows.jsonl and truth.json, and returns the truth as a dict.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

START = datetime(2016, 1, 1, tzinfo=UTC)
DAYS = 730
HASHTAGS = ["OurVoice", "StandTogether"]
UNREGISTERED_SPONSOR = "Patriot Voice Media"
REGISTERED = [
    ("Citizens for Clean Air, Inc.", ["CITIZENS FOR CLEAN AIR INC", "citizens for clean air, inc"]),
    ("Green Future PAC", ["Green-Future PAC", "GREEN FUTURE PAC."]),
    ("Smith & Sons Hardware", ["SMITH & SONS HARDWARE", "Smith & Sons  Hardware!"]),
]
FIRST = (
    "anna maria laura sophie lena julia sarah lisa emma mia hannah lea nina eva clara "
    "paul lukas jonas felix max leon david tim jan tom ben finn noah elias luca erik "
    "james john robert michael william mary patricia jennifer linda elizabeth susan jessica "
    "karen nancy daniel matthew anthony mark donald steven andrew joshua kevin brian george"
).split()
LAST = (
    "mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann koch richter "
    "klein wolf schroeder neumann schwarz zimmermann braun krueger hartmann lange werner "
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white"
).split()


def _ts(t: float) -> str:
    return (START + timedelta(seconds=int(t))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(d: int) -> float:
    return d * 86400.0


class _Images:
    """Random pictures and their re-encoded / manipulated copies."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def new(self) -> tuple[int, str]:
        return self.rng.getrandbits(64), f"{self.rng.getrandbits(256):064x}"

    def obj(self, ph: int, sha: str) -> dict[str, str]:
        return {"phash": f"{ph:016x}", "sha256": sha}

    def copy(self, ph: int, sha: str, max_bits: int) -> dict[str, str]:
        """The same file, or a re-encoded copy a few perceptual-hash bits away."""
        bits = self.rng.randint(0, max_bits)
        if bits == 0:
            return self.obj(ph, sha)
        for b in self.rng.sample(range(64), bits):
            ph ^= 1 << b
        return self.obj(ph, f"{self.rng.getrandbits(256):064x}")


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}

    def write(self, kind: str, obj: dict[str, Any]) -> None:
        f = self.files.get(kind)
        if f is None:
            f = self.files[kind] = (self.out / f"{kind}.jsonl").open("w", encoding="utf-8")
            self.counts[kind] = 0
        f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.counts[kind] += 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def generate(out_dir: Path, *, scale: float = 1.0, seed: int = 7) -> dict[str, Any]:
    """Write the scenario into `out_dir` (created if needed); return the ground truth."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    imgs = _Images(rng)
    w = _Writer(out)
    try:
        truth = _generate(w, rng, imgs, scale)
    finally:
        w.close()
    truth["counts"] = dict(sorted(w.counts.items()))
    (out / "truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
    return truth


def _generate(w: _Writer, rng: random.Random, imgs: _Images, scale: float) -> dict[str, Any]:
    n_accounts = max(2000, round(52_000 * scale))
    n_devoted = max(60, round(350 * scale))
    posts_per_devoted = 343
    n_memes = max(40, round(500 * scale))

    accounts: dict[str, dict[str, Any]] = {}
    handles: set[str] = set()

    def handle_for(i: int) -> str:
        while True:
            f, la = rng.choice(FIRST), rng.choice(LAST)
            sep = rng.choice(["", ".", "_"])
            h = rng.choice([f"{f}{sep}{la}", f"{f}{sep}{la}{rng.randint(1, 99)}", f"{la}{f[:1]}"])
            if h not in handles:
                handles.add(h)
                return h
            if rng.random() < 0.5:
                h = f"{h}{i}"
                if h not in handles:
                    handles.add(h)
                    return h

    default_avatar = imgs.new()
    n_default = round(n_accounts * 0.16)  # ~8,300 accounts at study scale

    def add_account(aid: str, handle: str, created: float, photo: dict[str, str] | None) -> None:
        rec: dict[str, Any] = {
            "id": aid,
            "platform": "instagram",
            "handle": handle,
            "display_name": handle.replace(".", " ").replace("_", " ").title(),
            "created_at": _ts(created),
            "followers": rng.randint(0, 3000),
            "following": rng.randint(0, 1500),
        }
        if photo is not None:
            rec["profile_image"] = photo
        accounts[aid] = rec

    # ------------------------------------------------------------ genuine population
    n_coordinated = 29
    genuine_ids = [f"ig:u{i:06d}" for i in range(n_accounts - n_coordinated)]
    for i, aid in enumerate(genuine_ids):
        created = rng.uniform(-_day(2500), _day(DAYS - 30))
        photo = (
            imgs.obj(*default_avatar)
            if i % max(1, len(genuine_ids) // n_default) == 0
            else imgs.obj(*imgs.new())
            if rng.random() < 0.8
            else None
        )
        add_account(aid, handle_for(i), created, photo)
    fans = genuine_ids[: n_devoted - n_coordinated]
    others = genuine_ids[n_devoted - n_coordinated :]
    # a default avatar is used by fans too
    for aid in fans[::7]:
        accounts[aid]["profile_image"] = imgs.obj(*default_avatar)

    # ------------------------------------------------------------ coordinated groups
    day_a_created = 35
    quiet_day = 320
    day_b_created = 326
    refs = []
    for k in range(40):
        ph, sha = imgs.new()
        refs.append((ph, sha))
        w.write(
            "reference_images",
            {
                "id": f"ref:{k:03d}",
                "image": imgs.obj(ph, sha),
                "source": f"stockphotos.example/model-{k:03d}",
                "note": "stock portrait",
            },
        )
    group_a = [f"ig:a{i}" for i in range(1, 6)]
    group_b = [f"ig:b{i}" for i in range(1, 5)]
    group_c = [f"ig:c{i}" for i in range(1, 6)]
    group_d = [f"ig:d{i}" for i in range(1, 6)]
    for aid in group_a:
        add_account(
            aid,
            handle_for(len(accounts)),
            _day(day_a_created) + rng.uniform(3600 * 9, 3600 * 17),
            imgs.obj(*imgs.new()),
        )
    b_photo = imgs.new()
    for aid in group_b:
        add_account(
            aid,
            handle_for(len(accounts)),
            _day(day_b_created) + rng.uniform(3600 * 8, 3600 * 20),
            imgs.obj(*b_photo),
        )
    for n, aid in enumerate(group_c):
        ph, sha = refs[3 + 7 * n]
        add_account(
            aid,
            handle_for(len(accounts)),
            _day(rng.randint(40, 200)) + rng.uniform(0, 86400),
            imgs.copy(ph, sha, 4) | {"sha256": f"{rng.getrandbits(256):064x}"},
        )
    d_handles = [
        "maria.kessler82",
        "mariakessler_83",
        "maria_kessler.84",
        "mariakessler85",
        "maria.kessler_86",
    ]
    for aid, h in zip(group_d, d_handles, strict=True):
        handles.add(h)
        add_account(
            aid, h, _day(rng.randint(60, 260)) + rng.uniform(0, 86400), imgs.obj(*imgs.new())
        )

    group_e = [f"ig:e{i}" for i in range(1, 6)]
    group_f = [f"ig:f{i}" for i in range(1, 6)]
    for aid in group_e + group_f:
        add_account(
            aid,
            handle_for(len(accounts)),
            _day(rng.randint(20, 300)) + rng.uniform(0, 86400),
            imgs.obj(*imgs.new()),
        )
    coordinated = group_a + group_b + group_c + group_d + group_e + group_f
    for rec in accounts.values():
        w.write("accounts", rec)

    # ------------------------------------------------------------ posts
    post_no = 0
    last_post: dict[str, float] = {}

    def emit_post(
        aid: str,
        t: float,
        *,
        media: list[dict[str, str]] | None = None,
        text: str | None = None,
        tagged: bool = True,
        likes: int | None = None,
        urls: list[str] | None = None,
    ) -> str:
        nonlocal post_no
        if t >= _day(DAYS):
            return ""  # the collection ends there
        post_no += 1
        pid = f"ig:p{post_no:07d}"
        tags = [rng.choice(HASHTAGS)] if tagged else []
        body = (text or "") + "".join(f" #{h}" for h in tags)
        rec: dict[str, Any] = {
            "id": pid,
            "account_id": aid,
            "posted_at": _ts(t),
            "text": body.strip(),
        }
        if media:
            rec["media"] = media
        if urls:
            rec["urls"] = urls
        rec["likes"] = likes if likes is not None else int(rng.expovariate(1 / 40))
        rec["comments"] = int(rng.expovariate(1 / 5))
        w.write("posts", rec)
        last_post[aid] = max(last_post.get(aid, t), t)
        return pid

    def own_post(aid: str, t: float, tagged: bool = True) -> str:
        caption = rng.choice(
            [
                "",
                "so true",
                "good morning",
                f"day {rng.randint(1, 999)} of showing up for what matters",
                f"{rng.choice(FIRST)} said it best {rng.randint(1, 10**6)}",
            ]
        )
        return emit_post(aid, t, media=[imgs.obj(*imgs.new())], text=caption, tagged=tagged)

    # fan speed: minutes to react to a meme (a tenth are very fast)
    speed = {
        aid: (rng.uniform(0.5, 3) if rng.random() < 0.12 else rng.uniform(5, 240)) for aid in fans
    }
    for aid in coordinated:
        speed[aid] = rng.uniform(5, 120)
    activity = {aid: rng.uniform(0.3, 1.0) for aid in fans}

    # viral memes: reposted by many fans within minutes to hours
    meme_posts: list[tuple[str, float]] = []
    fan_list = list(fans)
    meme_budget = 0
    for m in range(n_memes):
        t0 = rng.uniform(_day(10), _day(DAYS - 2))
        page = rng.choice(others[:200])
        ph, sha = imgs.new()
        origin = emit_post(
            page,
            t0,
            media=[imgs.obj(ph, sha)],
            text=f"share if you agree {m}",
            likes=rng.randint(500, 20000),
        )
        if not origin:
            continue
        meme_posts.append((origin, t0))
        k = min(len(fan_list), int(rng.lognormvariate(math.log(50), 0.6)))
        reposters = rng.sample(fan_list, k)
        reposters += [
            a
            for a in coordinated
            if rng.random() < 0.2 and _active(a, t0, group_a, group_b, quiet_day, day_b_created)
        ]
        for aid in reposters:
            if aid in activity and rng.random() > activity[aid]:
                continue
            dt = rng.expovariate(1 / (speed[aid] * 60))
            emit_post(
                aid,
                t0 + 20 + dt,
                media=[imgs.copy(ph, sha, 2)],
                text=rng.choice(["", "this!", "yes", "🔥"]),
            )
            meme_budget += 1

    # friend circles: fans who repost each other's pictures, minutes to hours later
    circles = [fan_list[i : i + 3] for i in range(0, min(len(fan_list), 60), 3)]
    circle_of = {a: c for c in circles for a in c}

    # fans' own posts (and friends reposting them)
    per_fan = max(30, posts_per_devoted - meme_budget // max(1, len(fans)))
    power_users = set(fan_list[-6:])
    for aid in fans:
        n_posts = per_fan * (4 if aid in power_users else 1)
        lo = min(_day(DAYS - 60), max(0.0, _parse(accounts[aid]["created_at"])))
        for _ in range(n_posts):
            t = rng.uniform(lo, _day(DAYS))
            ph, sha = imgs.new()
            emit_post(
                aid,
                t,
                media=[imgs.obj(ph, sha)],
                text=rng.choice(["", "mood", "love this"]),
                tagged=rng.random() < 0.96,
            )
            for friend in circle_of.get(aid, []):
                if friend != aid and rng.random() < 0.1:
                    delay = rng.lognormvariate(math.log(20 * 60), 1.3)
                    emit_post(
                        friend, t + delay, media=[imgs.copy(ph, sha, 1)], text="my friend's pic"
                    )
    # others: occasional posters and a few very active ones
    for i, aid in enumerate(others):
        if i < 200:
            continue  # meme pages
        r = rng.random()
        n_posts = rng.randint(800, 1500) if i < 210 else rng.randint(1, 6) if r < 0.12 else 0
        lo = max(0.0, _parse(accounts[aid]["created_at"]))
        for _ in range(n_posts):
            own_post(
                aid, rng.uniform(lo, _day(DAYS)), tagged=rng.random() < (0.5 if i < 210 else 0.05)
            )

    # coordinated campaigns: own pictures posted by members within seconds
    campaign_items: dict[str, list[tuple[int, str]]] = {}

    def campaign(
        members: list[str], first_day: float, last_day: float, n_items: int, name: str
    ) -> None:
        items = []
        for _ in range(n_items):
            ph, sha = imgs.new()
            items.append((ph, sha))
            t0 = rng.uniform(first_day, last_day)
            posters = [a for a in members if rng.random() < 0.8]
            if len(posters) < 2:
                posters = rng.sample(members, 2)
            t = t0
            slogan = rng.choice(["wake up", "they will not tell you this", "read this"])
            text = f"{slogan} {rng.randint(1, 10**9)}"
            for aid in rng.sample(posters, len(posters)):
                emit_post(
                    aid, t, media=[imgs.copy(ph, sha, 4)], text=text if rng.random() < 0.5 else ""
                )
                t += rng.uniform(2, 15)
            # a few genuine accounts pick the picture up much later
            for aid in rng.sample(fan_list, rng.randint(0, 3)):
                emit_post(
                    aid,
                    t0 + rng.uniform(3600 * 3, 86400 * 20),
                    media=[imgs.copy(ph, sha, 2)],
                    text="",
                )
        campaign_items[name] = items

    campaign(group_a, _day(day_a_created + 5), _day(quiet_day) - 86400, 70, "A")
    campaign(group_b, _day(day_b_created + 5), _day(DAYS - 1), 70, "B")
    campaign(group_c, _day(210), _day(DAYS - 1), 70, "C")
    campaign(group_d, _day(270), _day(DAYS - 1), 70, "D")
    # B re-posts A's pictures after A went quiet
    for ph, sha in rng.sample(campaign_items["A"], 25):
        t0 = rng.uniform(_day(day_b_created + 6), _day(day_b_created + 40))
        for aid in rng.sample(group_b, rng.randint(1, 3)):
            emit_post(aid, t0 + rng.uniform(0, 3600 * 30), media=[imgs.copy(ph, sha, 3)], text="")
    # their own posts, to the same volume as the fans
    spans = {
        **dict.fromkeys(group_a, (_day(day_a_created + 2), _day(quiet_day) - 3600 * 4)),
        **dict.fromkeys(group_b, (_day(day_b_created + 3), _day(DAYS))),
        **dict.fromkeys(group_c, (_day(205), _day(DAYS))),
        **dict.fromkeys(group_d, (_day(265), _day(DAYS))),
        **dict.fromkeys(group_e + group_f, (_day(150), _day(DAYS))),
    }
    for aid in coordinated:
        lo, hi = spans[aid]
        for _ in range(int(per_fan * 0.75)):
            own_post(aid, rng.uniform(lo, hi))
    # the block's last posts: within a few days of each other at the end of the month
    for n, aid in enumerate(group_a):
        own_post(aid, _day(quiet_day) + 3600 * 10 + rng.uniform(0, 2.5 * 86400) + n)

    # E: a scheduler posts each picture to one member after another, minutes apart
    for _ in range(140):
        ph, sha = imgs.new()
        t = rng.uniform(_day(150), _day(DAYS - 2))
        order = list(group_e) if rng.random() < 0.9 else rng.sample(group_e, len(group_e))
        for aid in order:
            if rng.random() < 0.85:
                emit_post(aid, t, media=[imgs.copy(ph, sha, 3)], text=rng.choice(["", "🇺🇸"]))
            t += rng.uniform(180, 480)
    # F: a copy-paste crew puts lightly edited captions on pictures of their own
    for _ in range(120):
        base = _sentence(rng, rng.randint(10, 16))
        t0 = rng.uniform(_day(120), _day(DAYS - 2))
        for aid in group_f:
            if rng.random() < 0.85:
                emit_post(
                    aid,
                    t0 + rng.uniform(0, 1500),
                    media=[imgs.obj(*imgs.new())],
                    text=_paraphrase(rng, base),
                )

    # news cascades: hundreds post the same photo (or re-encoded copies) within minutes;
    # heavy news posters take part in most of them
    news_posters = others[230:245]
    crowd = others[245:]
    n_cascades = max(6, round(30 * scale))
    for _ in range(n_cascades):
        ph, sha = imgs.new()
        t0 = rng.uniform(_day(20), _day(DAYS - 2))
        size = rng.randint(80, 400)
        posters = [a for a in news_posters if rng.random() < 0.8]
        posters += rng.sample(crowd, min(len(crowd), size))
        for aid in posters:
            emit_post(
                aid,
                t0 + rng.expovariate(1 / 240),
                media=[imgs.copy(ph, sha, 2)],
                text=rng.choice(["", "breaking", "wow", "this is happening now"]),
                tagged=False,
            )
    # chain letters: copied with small edits by hundreds of genuine accounts over days
    chain_posters: set[str] = set()
    for _ in range(max(2, round(4 * scale))):
        base = _sentence(rng, rng.randint(24, 34))
        t0 = rng.uniform(_day(20), _day(DAYS - 5))
        copiers = rng.sample(crowd, min(len(crowd), rng.randint(150, 350)))
        chain_posters.update(copiers)
        for aid in copiers:
            text = base if rng.random() < 0.3 else _paraphrase(rng, base)
            emit_post(aid, t0 + rng.uniform(0, 3 * 86400), text=text, tagged=False)

    # ------------------------------------------------------------ interactions
    n_inter = round(60_000 * scale)
    for _ in range(n_inter):
        origin, t0 = rng.choice(meme_posts)
        aid = rng.choice(others)
        kind = rng.choice(["like", "like", "comment", "share"])
        act: dict[str, Any] = {
            "account_id": aid,
            "post_id": origin,
            "kind": kind,
            "at": _ts(t0 + rng.expovariate(1 / 1800)),
        }
        if kind == "comment":
            act["text"] = rng.choice(["wow", "so true", "amen", "👏👏", "exactly"])
        w.write("interactions", act)
    tandem = group_c + group_d
    for origin, t0 in rng.sample(meme_posts, min(len(meme_posts), 30)):
        t = t0 + rng.uniform(60, 3600)
        for aid in rng.sample(tandem, 4):
            w.write(
                "interactions",
                {
                    "account_id": aid,
                    "post_id": origin,
                    "kind": "comment",
                    "at": _ts(t),
                    "text": "exactly this",
                },
            )
            t += rng.uniform(3, 25)

    # ------------------------------------------------------------ follows
    for _ in range(round(20_000 * scale)):
        a, b = rng.sample(genuine_ids, 2)
        w.write("follows", {"follower_id": a, "followed_id": b})
    for grp in (group_a, group_b, group_c, group_d):
        for a in grp:
            for b in grp:
                if a != b:
                    w.write("follows", {"follower_id": a, "followed_id": b})

    # ------------------------------------------------------------ ads and sponsors
    for name, _variants in REGISTERED:
        w.write(
            "sponsors",
            {"name": name, "registry": "FEC", "registration_id": f"C{rng.randint(10**7, 10**8)}"},
        )
    for n in range(round(300 * scale) + 10):
        name, variants = rng.choice(REGISTERED)
        w.write(
            "ads",
            {
                "id": f"ad:g{n:05d}",
                "platform": "instagram",
                "account_id": rng.choice(others),
                "sponsor": rng.choice([name, *variants]),
                "spend": round(rng.uniform(5, 500), 2),
                "currency": "USD",
                "started_at": _ts(rng.uniform(0, _day(DAYS))),
            },
        )
    buyers = group_c[:3] + group_d[:2]
    for n in range(12):
        w.write(
            "ads",
            {
                "id": f"ad:u{n:03d}",
                "platform": "instagram",
                "account_id": buyers[n % len(buyers)],
                "sponsor": rng.choice([UNREGISTERED_SPONSOR, UNREGISTERED_SPONSOR.upper()]),
                "spend": round(rng.uniform(50, 900), 2),
                "currency": "RUB",
                "started_at": _ts(rng.uniform(_day(300), _day(DAYS))),
            },
        )

    def created_on(aid: str) -> str:
        return str(accounts[aid]["created_at"])[:10]

    similar_pairs = sorted([a, b] for i, a in enumerate(group_d) for b in group_d[i + 1 :])
    return {
        "format": "cibgraph-synth-truth/1",
        "scale": scale,
        "hashtags": HASHTAGS,
        "coordinated_accounts": sorted(coordinated),
        "groups": [sorted(g) for g in (group_a, group_b, group_c, group_d, group_e, group_f)],
        "tactics": {
            "seconds_apart": sorted(group_a + group_b),
            "borrowed_photos_tandem_comments": sorted(group_c),
            "similar_names_tandem_comments": sorted(group_d),
            "scheduler_stagger": sorted(group_e),
            "paraphrased_captions": sorted(group_f),
        },
        "creation_cohorts": [
            {"created_on": created_on(group_a[0]), "account_ids": sorted(group_a)},
            {"created_on": created_on(group_b[0]), "account_ids": sorted(group_b)},
        ],
        "went_quiet_together": [
            {"went_quiet_on": _ts(_day(quiet_day))[:10], "account_ids": sorted(group_a)}
        ],
        "successors": {b: sorted(group_a) for b in sorted(group_b)},
        "borrowed_profile_photos": sorted(group_c),
        "shared_profile_photos": [sorted(group_b)],
        "unregistered_sponsors": {UNREGISTERED_SPONSOR: sorted(set(buyers))},
        "similar_names": similar_pairs,
        "devoted_accounts": sorted(set(fans) | set(coordinated)),
        "hard_negatives": {
            "fast_fans": sorted(a for a in fans if speed[a] < 3),
            "friend_circles": [sorted(c) for c in circles],
            "power_users": sorted(power_users),
            "news_posters": sorted(news_posters),
            "chain_letter_posters": sorted(chain_posters),
            "default_avatar_users": sum(
                1
                for r in accounts.values()
                if r.get("profile_image", {}).get("sha256") == default_avatar[1]
            ),
        },
    }


WORDS = (
    "the they will never tell you what really happened at border this week our town people "
    "vote truth media lies hidden story school children families money taxes jobs workers "
    "government election fraud rigged freedom speech police city council mayor river bridge "
    "road factory closed again shame wake up share before deleted nobody talks about it "
    "every day more proof see for yourself ask why now stand strong together against them"
).split()
SWAPS = {"really": "actually", "never": "not", "people": "folks", "truth": "facts"}
EMOJI = ["😡", "🔥", "🇺🇸", "‼️", "👇"]
TAILS = ["#wakeup", "#truth", "#share", "#news #now", "#OurVoice"]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _paraphrase(rng: random.Random, text: str) -> str:
    """A light edit: case, an emoji, a swapped word, another hashtag tail (one or two)."""
    words = text.split()
    for edit in rng.sample(["case", "emoji", "swap", "tail"], rng.randint(1, 2)):
        if edit == "case":
            words = (
                [w.upper() for w in words] if rng.random() < 0.5 else [words[0].title(), *words[1:]]
            )
        elif edit == "emoji":
            words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI))
        elif edit == "swap":
            i = rng.randrange(len(words))
            words[i] = SWAPS.get(words[i].lower(), rng.choice(WORDS))
        else:
            words.append(rng.choice(TAILS))
    return " ".join(words)


def _parse(ts: str) -> float:
    return (datetime.fromisoformat(ts.replace("Z", "+00:00")) - START).total_seconds()


def _active(
    aid: str, t: float, group_a: list[str], group_b: list[str], quiet: int, b_start: int
) -> bool:
    if aid in group_a:
        return _day(40) < t < _day(quiet) - 86400
    if aid in group_b:
        return t > _day(b_start + 3)
    return t > _day(270)


def iter_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
