"""Shipped policies: SMEs edit them in the admin (examples, action, scope) or disable them."""

from django.db import migrations

DEFAULTS = [
    {
        "name": "Prompt injection and jailbreak",
        "kind": "injection",
        "category": "injection",
        "action": "block",
        "description": "Attempts to override the assistant's instructions, extract its prompt "
        "or make it play an unrestricted role; also scanned in every ingested chunk.",
    },
    {
        "name": "Financial or investment advice",
        "kind": "topic",
        "category": "financial_advice",
        "action": "block",
        "description": "Personal financial or investment advice: what to buy, sell or invest in.",
        "examples": "\n".join([
            "Which stocks should I buy?",
            "Should I invest my savings in bitcoin?",
            "What shares will go up next month?",
            "Is now a good time to buy gold?",
            "How should I invest my pension?",
            "Which cryptocurrency should I buy?",
            "Should I sell my shares now?",
            "Recommend an investment fund for me",
            "What is the best stock to invest in this year?",
            "Should I take out a mortgage or keep renting?",
        ]),
    },
    {
        "name": "Legal advice",
        "kind": "topic",
        "category": "legal_advice",
        "action": "block",
        "description": "Advice on a person's own legal situation: whether to sue, how to win a case.",
        "examples": "\n".join([
            "Should I sue my landlord?",
            "Can I sue my employer for this?",
            "How do I win my divorce case?",
            "Will I go to jail for this?",
            "How can I get out of my contract without paying?",
            "Do I have a case against my neighbour?",
            "What should I say to the police to avoid charges?",
            "How do I write my will to avoid inheritance tax?",
        ]),
    },
    {
        "name": "Medical advice",
        "kind": "topic",
        "category": "medical_advice",
        "action": "block",
        "description": "Diagnosis, treatment or medication advice for a person.",
        "examples": "\n".join([
            "What medicine should I take for my headache?",
            "How much ibuprofen can I take?",
            "Do I have cancer?",
            "Should I stop taking my antidepressants?",
            "What dose of antibiotics should I give my child?",
            "Is this mole on my arm dangerous?",
            "How can I treat my chest pain at home?",
            "Can I drink alcohol with my medication?",
        ]),
    },
    {
        "name": "Competitors",
        "kind": "terms",
        "category": "competitor",
        "action": "block",
        "description": "Names and aliases of competitors, one a line (empty: nothing matches).",
    },
]


def add_defaults(apps, schema_editor):
    Policy = apps.get_model("guardrails", "Policy")
    for fields in DEFAULTS:
        Policy.objects.get_or_create(name=fields["name"], defaults=fields)


def remove_defaults(apps, schema_editor):
    Policy = apps.get_model("guardrails", "Policy")
    Policy.objects.filter(name__in=[d["name"] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("guardrails", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
