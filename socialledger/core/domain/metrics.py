"""The ledger's one metric vocabulary; every channel maps its platform's names to these."""

from __future__ import annotations

#: ledger metric name -> what it counts
VOCABULARY: dict[str, str] = {
    "reactions": "reactions of every kind (likes included); breakdown per kind",
    "comments": "comments and replies",
    "shares": "shares, reposts",
    "saves": "saves, bookmarks",
    "reach": "unique accounts that saw the content",
    "impressions": "times the content was on screen (deprecated on some platforms: see views)",
    "views": "views, plays and media views (the platforms' successor of impressions)",
    "followers": "followers at a moment",
    "follows": "new follows in the period",
    "unfollows": "follows lost in the period",
    "clicks": "clicks, link clicks to the organisation's website",
    "engaged_users": "unique accounts that engaged",
    "interactions": "all interactions (reactions, comments, shares, saves)",
    "video_views": "video views",
    "profile_views": "views of the account's profile",
}

