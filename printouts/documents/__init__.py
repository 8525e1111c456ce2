"""printouts' documents: WeasyPrint PDFs rendered in Russian for families and the school's paper archive.

``base`` holds the shared machinery (no network fetching, the shared print stylesheet
``printouts/_print.css``); each document has its own module (``extract``: the weekly extract).
"""
