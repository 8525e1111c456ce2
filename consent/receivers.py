"""consent's answers to what gradebook announces."""

from django.dispatch import receiver

from gradebook import signals

from .demo import demo_consents_seed


@receiver(signals.demo_school_seeded, dispatch_uid="consent.demo_school_seeded")
def add_demo_consents(sender, *, school, year, today, **kwargs):
    demo_consents_seed(school=school, year=year, today=today)
