import { ApiProperty, ApiPropertyOptional, OmitType, PartialType, PickType } from '@nestjs/swagger';
import {
  PARTNER_ROLES,
  PARTNER_STATUSES,
  RESERVED_SLUGS,
  SLUG_PATTERN,
  SLUG_RULE,
  type Branding,
  type Partner as PartnerShape,
  type PartnerRole,
  type PartnerStatus,
} from '@tessera/contracts';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsNotIn, IsNumber, IsObject, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { PageQuery } from '../common/http/paging.dto';
import { CreateTenantDto, ListTenantsQuery } from '../tenants/tenant.dto';
import type { PartnerRecord } from './partner.schema';
import { HasText } from '../common/http/has-text';

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const HTTPS_URL = { protocols: ['https'], require_protocol: true, require_tld: false };
/** A field that may be sent as null to clear it. */
const clearable = ValidateIf((_object: object, value: unknown) => value !== null);

export class CreatePartnerDto {
  @ApiProperty({ example: 'acme-resellers' })
  @IsString()
  @Matches(SLUG_PATTERN, { message: `slug must be ${SLUG_RULE}` })
  @IsNotIn(RESERVED_SLUGS, { message: 'slug is reserved' })
  slug: string;

  @ApiProperty({ example: 'Acme Resellers' })
  @IsString()
  @Length(1, 100)
  @HasText()
  name: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 0, description: 'Share of gross MRR, in percent' })
  @IsOptional()
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  marginPct?: number;
}

/** What an operator may change on a partner. */
export class UpdatePartnerDto extends PartialType(PickType(CreatePartnerDto, ['name', 'marginPct'] as const)) {}

export class ListPartnersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PARTNER_STATUSES })
  @IsOptional()
  @IsIn(PARTNER_STATUSES)
  status?: PartnerStatus;

  @ApiPropertyOptional({ description: 'Start of the slug or part of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;
}

export class ContactDto {
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @clearable @IsString() @Length(1, 100) @HasText() name?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @clearable @IsEmail() @MaxLength(254) email?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @clearable @IsString() @Matches(/^\+?[0-9 ()-]{4,30}$/, { message: 'phone must be digits, spaces, brackets and hyphens' }) phone?: string | null;
}

export class BillingDto {
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @clearable @IsString() @Length(1, 200) @HasText() company?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @clearable @IsString() @Length(1, 500) @HasText() address?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @clearable @IsString() @Matches(/^[A-Z0-9]{4,20}$/, { message: 'vatId must be 4–20 capital letters and digits' }) vatId?: string | null;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @clearable @IsEmail() @MaxLength(254) email?: string | null;
}

/** A partner's own settings; absent fields stay as they are, null clears one. */
export class PartnerSettingsDto {
  @ApiPropertyOptional({ type: ContactDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ContactDto)
  contact?: ContactDto;

  @ApiPropertyOptional({ type: BillingDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BillingDto)
  billing?: BillingDto;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @clearable
  @IsEmail()
  @MaxLength(254)
  notificationEmail?: string | null;
}

export class BrandingDto {
  @ApiPropertyOptional({ nullable: true, example: 'Acme Cloud' }) @IsOptional() @clearable @IsString() @Length(1, 60) @HasText() displayName?: string | null;
  @ApiPropertyOptional({ nullable: true, example: 'https://acme.example/logo.svg' }) @IsOptional() @clearable @IsUrl(HTTPS_URL) @MaxLength(500) logoUrl?: string | null;
  @ApiPropertyOptional({ nullable: true, example: '#1a2b3c' })
  @IsOptional()
  @clearable
  @Matches(HEX_COLOUR, { message: 'primaryColor must be a hex colour like #1a2b3c' })
  primaryColor?: string | null;
  @ApiPropertyOptional({ nullable: true, example: '#ffcc00' })
  @IsOptional()
  @clearable
  @Matches(HEX_COLOUR, { message: 'accentColor must be a hex colour like #ffcc00' })
  accentColor?: string | null;
  @ApiPropertyOptional({ nullable: true, example: 'https://acme.example/support' }) @IsOptional() @clearable @IsUrl(HTTPS_URL) @MaxLength(500) supportUrl?: string | null;
}

/** A partner's tenants, filtered as the operators' list is, but never by another partner. */
export class PartnerTenantsQuery extends OmitType(ListTenantsQuery, ['partner'] as const) {}

/** A customer tenant created by a partner; the owner, when named, is invited. */
export class CreatePartnerTenantDto extends CreateTenantDto {
  @ApiPropertyOptional({ example: 'owner@customer.example' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  ownerEmail?: string;
}

export class InviteTeamMemberDto {
  @ApiProperty({ example: 'sam@acme.example' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ example: 'Sam Reed' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @HasText()
  name?: string;

  @ApiProperty({ enum: PARTNER_ROLES })
  @IsIn(PARTNER_ROLES)
  role: PartnerRole;
}

export class ChangeTeamRoleDto {
  @ApiProperty({ enum: PARTNER_ROLES })
  @IsIn(PARTNER_ROLES)
  role: PartnerRole;
}

export class AttachPartnerDto {
  @ApiProperty({ example: 'acme-resellers', description: 'The partner slug' })
  @IsString()
  @Matches(SLUG_PATTERN)
  partner: string;
}

export function mapBranding(partner: PartnerRecord | null): Branding {
  const b = partner?.branding;
  return {
    displayName: b?.displayName ?? null,
    logoUrl: b?.logoUrl ?? null,
    primaryColor: b?.primaryColor ?? null,
    accentColor: b?.accentColor ?? null,
    supportUrl: b?.supportUrl ?? null,
  };
}

export function mapPartner(partner: PartnerRecord): PartnerShape {
  return {
    id: partner.id,
    slug: partner.slug,
    name: partner.name,
    status: partner.status,
    marginPct: partner.marginPct,
    contact: { name: partner.contact?.name ?? null, email: partner.contact?.email ?? null, phone: partner.contact?.phone ?? null },
    billing: {
      company: partner.billing?.company ?? null,
      address: partner.billing?.address ?? null,
      vatId: partner.billing?.vatId ?? null,
      email: partner.billing?.email ?? null,
    },
    notificationEmail: partner.notificationEmail,
    branding: mapBranding(partner),
    createdAt: partner.createdAt.toISOString(),
    updatedAt: partner.updatedAt.toISOString(),
  };
}
