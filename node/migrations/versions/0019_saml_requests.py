"""SAML logins: open AuthnRequests keyed by RelayState, and the assertion ids already accepted (never twice).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 23:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'saml_pending_requests',
        sa.Column('relay_state', sa.String(length=64), nullable=False),
        sa.Column('request_id', sa.String(length=100), nullable=False),
        sa.Column('next_path', sa.String(length=500), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('relay_state', name=op.f('pk_saml_pending_requests')),
    )
    op.create_index('ix_saml_pending_requests_expires_at', 'saml_pending_requests', ['expires_at'], unique=False)
    op.create_table(
        'saml_used_assertions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('assertion_id', sa.String(length=200), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_used_assertions')),
        sa.UniqueConstraint('issuer', 'assertion_id', name=op.f('uq_saml_used_assertion')),
    )
    op.create_index('ix_saml_used_assertions_expires_at', 'saml_used_assertions', ['expires_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema: open SAML logins fail and must be started again."""
    op.drop_index('ix_saml_used_assertions_expires_at', table_name='saml_used_assertions')
    op.drop_table('saml_used_assertions')
    op.drop_index('ix_saml_pending_requests_expires_at', table_name='saml_pending_requests')
    op.drop_table('saml_pending_requests')
