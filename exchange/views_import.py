"""The administrators' import and export pages: upload a OneRoster zip or the simple template (CSV or XLSX)
and read the validation report (400 with the report when the files are invalid: nothing was written);
download the template; export a school year as OneRoster 1.2 CSV. Administrators only (403 for other roles);
a year of another school is a 404."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from gradebook import access
from gradebook.xlsx import xlsx_response

from .import_runs import import_run_record, recent_import_runs
from .models import ImportRun
from .oneroster import oneroster_export, oneroster_import
from .simple_import import simple_import, template_csv, template_workbook

MAX_UPLOAD = 50 * 1024 * 1024


@access.require_role(access.ADMINISTRATOR)
@never_cache
def import_page(request):
    school = access.get_import_school(request.user, request.POST.get("school") or request.GET.get("school"))
    schools = access.schools_administered_by(request.user).order_by("name")
    context = {"school": school, "schools": schools, "report": None, "years": school.years.order_by("-starts_on")}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > MAX_UPLOAD:
            context["missing_file"] = True
            context["runs"] = recent_import_runs(school=school)
            return render(request, "exchange/import.html", context, status=400)
        data = upload.read()
        dry_run = bool(request.POST.get("dry_run"))
        if upload.name.lower().endswith(".zip"):
            report = oneroster_import(school=school, files=data, by=request.user, dry_run=dry_run)
            format = ImportRun.Format.ONEROSTER
        else:
            report = simple_import(school=school, name=upload.name, data=data, by=request.user, dry_run=dry_run)
            format = ImportRun.Format.SIMPLE
        import_run_record(school=school, by=request.user, file_name=upload.name, format=format, report=report)
        context["report"] = report
        context["counts"] = sorted((report.created | report.updated).keys())
        context["rows"] = [(key, report.created[key], report.updated[key]) for key in context["counts"]]
        status = 200 if report.ok else 400
    context["runs"] = recent_import_runs(school=school)
    return render(request, "exchange/import.html", context, status=status)


@access.require_role(access.ADMINISTRATOR)
def template_download_csv(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="students-template.csv"'
    return response


@access.require_role(access.ADMINISTRATOR)
def template_download_xlsx(request):
    return xlsx_response(template_workbook(), "students-template.xlsx")


@access.require_role(access.ADMINISTRATOR)
@never_cache
def year_export(request, public_id):
    year = access.get_exportable_year(request.user, public_id)
    response = HttpResponse(oneroster_export(school_year=year), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="oneroster-{year.public_id}.zip"'
    return response
