"""The built-in stopword lists (`--stopwords en`, `--stopwords zh`): very common function words,
left out of the frequencies so that the words that say something show. Written for wordcount."""

from __future__ import annotations

EN = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves
    i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd she'd we'd
    they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't hasn't haven't
    hadn't doesn't don't didn't won't wouldn't can't cannot couldn't shouldn't let's that's
    there's what's who's also may might must shall upon us
    """.split()
)

ZH = frozenset(
    """
    的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那
    他 她 它 们 我们 你们 他们 她们 它们 这个 那个 这些 那些 之 与 及 而 或 等 被 把 给 让 从
    对 向 于 以 为 为了 因为 所以 但 但是 如果 虽然 然后 还 又 再 已 已经 并 并且 或者 而且 吗 呢
    吧 啊 呀 哦 嗯 么 得 地 个 中 其 此 该 各 每 将 能 可 可以 没 无 非 所 者 之后 之前 以及
    """.split()
)

BUILT_IN = {"en": EN, "zh": ZH}
