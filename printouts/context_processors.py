"""Links from gradebook's pages to printouts' documents: gradebook knows nothing of printouts, so its
templates show a link only when this provides it."""

from django.urls import reverse


def summary_pdf_link(request):
    """On the summary sheet page, the link to its printable PDF. The page itself went through
    ``access.get_summary_class`` (the PDF's own access), so the link costs no query."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != "gradebook:summary-sheet":
        return {}
    return {"summary_pdf_url": reverse("printouts:summary-sheet-pdf", kwargs={"public_id": match.kwargs["public_id"]})}
