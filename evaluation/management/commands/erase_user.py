from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from evaluation.privacy import erase_user_data


class Command(BaseCommand):
    help = "Delete a user's questions and feedback everywhere, evaluation copies included."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        counts = erase_user_data(user=user)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(f"Erased {sum(counts.values())} row(s) for {username}.")
