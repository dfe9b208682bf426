import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from chat.models import Conversation, Message
from evaluation.models import AnswerScore, EvalResult, EvalRun, GoldenItem, GoldenSet
from feedback.models import FeedbackEvent
from ingestion.models import Collection, Document, DocumentVersion


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collection
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Collection {n}")
    slug = factory.Sequence(lambda n: f"collection-{n}")


# Monitoring (evaluation/monitoring.py, the ops dashboard) ------------------------------------


def _backdate(obj, create: bool, value: datetime.datetime | None, **kwargs) -> None:
    """created_at is auto_now_add: set it after the insert when a test asks for a given time."""
    if create and value is not None:
        type(obj).objects.filter(pk=obj.pk).update(created_at=value)
        obj.created_at = value


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    owner = factory.SubFactory(UserFactory)
    title = "A conversation"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message
        skip_postgeneration_save = True

    conversation = factory.SubFactory(ConversationFactory)
    user = factory.SelfAttribute("conversation.owner")
    question = factory.Sequence(lambda n: f"Question {n}?")
    kind = Message.Kind.ANSWER
    rendered = ""
    template_version = "v1"
    generator = "extractive"
    search_mode = "hybrid"
    total_ms = 100.0
    created_at = factory.PostGeneration(_backdate)


class FeedbackEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackEvent

    message = factory.SubFactory(MessageFactory)
    user = factory.SelfAttribute("message.user")
    kind = FeedbackEvent.Kind.VOTE
    rating = factory.LazyAttribute(lambda event: 1 if event.kind == "vote" else None)
    variant = factory.SelfAttribute("message.variant")


class AnswerScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnswerScore

    message = factory.SubFactory(MessageFactory)
    scorer = "offline"
    faithfulness = 1.0
    answer_relevance = 1.0


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    collection = factory.SubFactory(CollectionFactory)
    title = factory.Sequence(lambda n: f"Document {n}")
    source_name = factory.Sequence(lambda n: f"document-{n}.txt")
    status = Document.Status.READY


class DocumentVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentVersion
        skip_postgeneration_save = True

    document = factory.SubFactory(DocumentFactory)
    number = factory.Sequence(lambda n: n + 1)
    file = "documents/none.txt"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size_bytes = 100
    created_at = factory.PostGeneration(_backdate)


class GoldenSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoldenSet
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Golden set {n}")


class GoldenItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoldenItem

    golden_set = factory.SubFactory(GoldenSetFactory)
    question = factory.Sequence(lambda n: f"Golden question {n}?")


class EvalRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvalRun
        skip_postgeneration_save = True

    golden_set = factory.SubFactory(GoldenSetFactory)
    status = EvalRun.Status.DONE
    metrics = factory.LazyFunction(lambda: {"doc_nDCG@10": 0.8, "faithfulness": 0.9})
    finished_at = factory.LazyFunction(timezone.now)
    created_at = factory.PostGeneration(_backdate)


class EvalResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvalResult

    run = factory.SubFactory(EvalRunFactory)
    item = factory.SubFactory(
        GoldenItemFactory, golden_set=factory.SelfAttribute("..run.golden_set")
    )
    question = factory.SelfAttribute("item.question")
    metrics = factory.LazyFunction(lambda: {"doc_nDCG@10": 0.8})
