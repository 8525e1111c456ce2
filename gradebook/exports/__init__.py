"""Spreadsheets built from what the selectors read (the response itself: ``gradebook.xlsx``)."""
