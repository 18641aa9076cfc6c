"""Placeholder router until its context lands."""

from fastapi import APIRouter

router = APIRouter()
