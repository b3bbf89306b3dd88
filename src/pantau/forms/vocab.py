"""The HXL vocabulary pantau understands, in one table each, so docs/forms.md and the code agree.

Attributes of a value tag (`#affected+idps+ind+f+children`) give the observation's fixed
dimensions; hashtags of other fields (`#adm2+code`, `#date+assessment`) give dimensions that
hold for every observation of the record (or of the repeat item).
"""

from __future__ import annotations

import re

# Hashtags whose (numeric) fields are counted: each answer becomes an observation.
VALUE_HASHTAGS = frozenset({"affected", "population", "inneed", "targeted", "reached",
                            "displaced", "need", "indicator", "value"})

POPULATION_GROUPS = {"idps": "idps", "idp": "idps", "returnees": "returnees",
                     "returnee": "returnees", "migrants": "migrants", "migrant": "migrants",
                     "refugees": "refugees", "refugee": "refugees", "host": "host"}
UNITS = {"ind": "individuals", "individuals": "individuals", "hh": "households",
         "households": "households"}
SEXES = {"f": "f", "female": "f", "m": "m", "male": "m"}
AGE_GROUPS = {"infants": "infants", "children": "children", "adolescents": "adolescents",
              "youth": "youth", "adults": "adults", "elderly": "elderly"}
# HXL age ranges: +age0_4, +age5_17, +age60plus / +age60_plus.
AGE_RANGE = re.compile(r"age\d{1,3}(_\d{1,3}|_?plus)?")
SECTORS = {"shelter": "shelter", "nfi": "nfi", "wash": "wash", "food": "food",
           "health": "health", "nutrition": "nutrition", "protection": "protection",
           "education": "education", "livelihoods": "livelihoods", "cccm": "cccm"}
# Displacement reasons (the operation vocabulary; `other` is too vague to be an attribute).
REASONS = frozenset({"conflict", "natural_disaster", "earthquake", "tsunami", "flood",
                     "volcano", "landslide", "liquefaction", "drought", "storm", "fire",
                     "insecurity", "economic"})
# Attributes that qualify a number without being a dimension: no warning for them.
NEUTRAL = frozenset({"total", "num", "count", "new", "est", "estimated", "current",
                     "reported", "all", "priority", "needs", "type"})

# Dates that are the observation's date, best first; other #date+… fields are kept only.
OBSERVATION_DATES = ("assessment", "survey", "collected", "reported")

# Column sizes of Observation: a longer answer is not a valid code and is left out.
MAX_LENGTH = {"site_code": 60, "admin1_pcode": 40, "admin2_pcode": 40, "admin3_pcode": 40,
              "admin4_pcode": 40, "origin_pcode": 40, "population_group": 30, "reason": 40,
              "shelter": 60, "sector": 40, "age_group": 20}

# Dimensions a mapping file may name for a dimension field or fix for a value field.
CONTEXT_DIMENSIONS = ("site_code", "admin1_pcode", "admin2_pcode", "admin3_pcode",
                      "admin4_pcode", "date", "reason", "origin_pcode", "shelter",
                      "population_group")
VALUE_DIMENSIONS = ("population_group", "unit", "sex", "age_group", "reason", "shelter",
                    "sector")
OBSERVATION_KEYS = ("site_code", "admin1_pcode", "admin2_pcode", "admin3_pcode",
                    "admin4_pcode", "date", "population_group", "unit", "sex", "age_group",
                    "reason", "origin_pcode", "shelter", "sector")

NUMERIC_TYPES = frozenset({"integer", "decimal", "range", "calculate"})
# Fields that never hold survey answers: not listed as unmapped.
NOT_DATA = frozenset({"group", "repeat", "note", "start", "end", "today", "deviceid",
                      "username", "phonenumber", "simserial", "subscriberid", "audit",
                      "start-geopoint", "background-audio", "email"})
YES = frozenset({"yes", "ya", "y", "true", "1"})
NO = frozenset({"no", "tidak", "n", "false", "0"})
