"""Which files are spreadsheets (read by workbook.py) rather than YAML, by their name alone: a
check of a YAML file asks this without loading the spreadsheet readers."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
REFUSED_SUFFIXES = {".xls": "Excel 97–2003 (.xls) läses inte: spara som .xlsx",
                    ".xlsb": "binär Excel-arbetsbok (.xlsb) läses inte: spara som .xlsx",
                    ".ods": "OpenDocument-kalkylblad (.ods) läses inte: spara som .xlsx"}
CSV_SUFFIXES = (".csv", ".tsv")  # a survey tool's export, separated by ; , or tab
TABLE_SUFFIXES = WORKBOOK_SUFFIXES + CSV_SUFFIXES + tuple(REFUSED_SUFFIXES)
