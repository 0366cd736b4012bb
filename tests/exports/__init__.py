"""The files in exports/, read back: workbooks, CSV files, the chart, DHIS2 payloads."""
