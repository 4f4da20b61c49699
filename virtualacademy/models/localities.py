"""Localities: the areas of the academy, the postcode districts they cover, and their staff."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from virtualacademy.models.accounts import User
from virtualacademy.models.base import Base, TimestampMixin, enum_type


class Locality(TimestampMixin, Base):
    """A geographic area of the academy with its own coordinator, programme and budget."""

    __tablename__ = "locality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    districts: Mapped[list[LocalityDistrict]] = relationship(
        back_populates="locality",
        cascade="all, delete-orphan",
        order_by="LocalityDistrict.district",
        lazy="selectin",
    )
    staff: Mapped[list[LocalityStaff]] = relationship(back_populates="locality", cascade="all, delete-orphan")

    @property
    def district_list(self) -> list[str]:
        return [d.district for d in self.districts]

    def __repr__(self) -> str:
        return f"<Locality {self.id} {self.name}>"


class LocalityDistrict(Base):
    """A postcode district (the outward code, e.g. ``DN4``) covered by one locality."""

    __tablename__ = "locality_district"

    district: Mapped[str] = mapped_column(String(4), primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"), index=True)

    locality: Mapped[Locality] = relationship(back_populates="districts")


class LocalityRole(enum.StrEnum):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"


class LocalityStaff(Base):
    """A coordinator's one locality, or one of a mentor's localities."""

    __tablename__ = "locality_staff"
    __table_args__ = (
        # A coordinator runs exactly one locality.
        Index(
            "uq_locality_staff_one_coordinator_locality",
            "user_id",
            unique=True,
            sqlite_where=text("role = 'coordinator'"),
            postgresql_where=text("role = 'coordinator'"),
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    locality_id: Mapped[int] = mapped_column(
        ForeignKey("locality.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[LocalityRole] = mapped_column(enum_type(LocalityRole, "locality_role", 16), primary_key=True)

    user: Mapped[User] = relationship()
    locality: Mapped[Locality] = relationship(back_populates="staff")
