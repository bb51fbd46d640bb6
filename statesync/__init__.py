"""statesync: declarative, desired-state sync of investor records to SEI's KYC API."""

__version__ = "0.1.0"
