# The project's formats (see curhat/formats/__init__.py): the same shape in every language.
DATE_FORMAT = "d M Y"
DATETIME_FORMAT = "d M Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d M Y"
SHORT_DATETIME_FORMAT = "d M Y H:i"
MONTH_DAY_FORMAT = "d M"
YEAR_MONTH_FORMAT = "F Y"
