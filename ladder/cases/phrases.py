"""The forbidden phrases document 001 lists (处理客户投诉和抱怨时的语言禁忌), with an
English rendering of each, and what to say instead. Demo data and a starting list for a
new organization; admins edit them per organization."""

from __future__ import annotations

# (phrase, suggestion)
ZH_HANS: tuple[tuple[str, str], ...] = (
    ("这事没办法", "我们来看看能为您做些什么。"),
    ("认倒霉吧", "很抱歉给您带来不便，我们一起想办法解决。"),
    ("人家客户都挺好啊", "谢谢您告诉我们，您的意见对我们很重要。"),
    ("我们一直都是这么经营的", "我会把您的意见转告负责人，看看能否改进。"),
    ("你先听我解释", "请您先说，我认真听。"),
    ("你也有不对的地方", "我理解您的感受，我们来看看怎么解决。"),
    ("你相不相信我", "我会把处理结果和时间明确告诉您。"),
    ("爱告哪儿就告哪儿", "我们希望自己把问题处理好，请给我们一个机会。"),
    ("没看我正忙着吗", "请稍等一下，我马上为您处理。"),
    ("你怎么这样讲话", "我明白您很着急，我们一起来解决。"),
    ("你去找消协吧", "这件事由我们负责处理，我会跟进到底。"),
)

EN: tuple[tuple[str, str], ...] = (
    ("nothing can be done", "Let me see what we can do for you."),
    ("tough luck", "I'm sorry this happened; let's work out a solution together."),
    ("other customers are fine", "Thank you for telling us; your feedback matters."),
    ("we have always done it this way", "I'll pass this on to the person in charge."),
    ("let me explain first", "Please go ahead, I'm listening."),
    ("you are partly to blame", "I understand how you feel; let's see how to fix it."),
    ("don't you trust me", "I'll tell you exactly what we will do and by when."),
    ("complain wherever you like", "We want to put this right ourselves; give us the chance."),
    ("can't you see i'm busy", "One moment please, I'll be right with you."),
    ("why do you talk like that", "I can hear this is urgent; let's sort it out."),
    (
        "go complain to the consumer association",
        "This is ours to handle, and I will follow it through.",
    ),
)

BY_LANGUAGE: dict[str, tuple[tuple[str, str], ...]] = {"en": EN, "zh-hans": ZH_HANS}
